/* libnftables glue. See nftables.h. */
#include "errbuf.h"
#include "nftables.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

static void copy_trimmed(char *dst, size_t dst_len, const char *src)
{
	size_t n;

	if (!dst || dst_len == 0)
		return;
	if (!src)
		src = "";
	n = strlen(src);
	while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == ' '))
		n--;
	if (n >= dst_len)
		n = dst_len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	/* libnftables reports several lines (message, the offending line, a caret
	 * marker); one log line is wanted, so fold them. */
	for (size_t i = 0; i < n; i++)
		if (dst[i] == '\n' || dst[i] == '\t')
			dst[i] = ' ';
}

/* libnftables only says "failed" (-1); the kernel's reason is in the text. */
static int error_code(const char *text)
{
	if (!text)
		return -EINVAL;
	if (strstr(text, "Operation not permitted"))
		return -EPERM;
	if (strstr(text, "No such file or directory"))
		return -ENOENT;
	if (strstr(text, "Cannot allocate memory"))
		return -ENOMEM;
	if (strstr(text, "Protocol not supported") || strstr(text, "not supported"))
		return -EOPNOTSUPP;
	return -EINVAL;
}

/*
 * One libnftables context for the whole process, made on first use. Freeing a
 * context costs 30-40 ms in libnftables 1.0.6 (measured here: closing its
 * netlink socket waits until nf_tables has freed the last transaction, an RCU
 * grace period), and making one per ruleset put that on every ruleset. The
 * server is single threaded and stays in one network namespace (the context
 * keeps one netlink socket), so sharing it is safe; it lives until exit.
 */
static struct nft_ctx *shared_ctx;

static struct nft_ctx *context(char *err, size_t err_len)
{
	if (shared_ctx != NULL)
		return shared_ctx;
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx == NULL) {
		copy_trimmed(err, err_len, "nftables: cannot create libnftables context");
		return NULL;
	}
	/* Numeric output: listing must not trigger reverse DNS or service lookups. */
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_NUMERIC_ALL);
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		copy_trimmed(err, err_len, "nftables: cannot buffer libnftables output");
		nft_ctx_free(ctx);
		return NULL;
	}
	shared_ctx = ctx;
	return ctx;
}

static int run(const char *ruleset, char *out, size_t out_len, char *err, size_t err_len)
{
	if (err && err_len > 0)
		err[0] = '\0';
	if (out && out_len > 0)
		out[0] = '\0';
	if (!ruleset)
		return -EINVAL;
	struct nft_ctx *ctx = context(err, err_len);
	if (ctx == NULL)
		return -ENOMEM;
	int rc = nft_run_cmd_from_buffer(ctx, ruleset);
	/* Reading a buffer also rewinds it for the next command: read both
	 * every time, so nothing carries over from one ruleset to the next. */
	const char *text = nft_ctx_get_output_buffer(ctx);
	const char *errtext = nft_ctx_get_error_buffer(ctx);
	if (rc != 0) {
		copy_trimmed(err, err_len,
			     errtext && *errtext ? errtext : "nftables: command failed");
		return error_code(errtext);
	}
	if (out) {
		size_t n = text ? strlen(text) : 0;
		if (n >= out_len) {
			copy_trimmed(err, err_len, "nftables: output larger than the buffer");
			return -ENOSPC;
		}
		if (n)
			memcpy(out, text, n);
		out[n] = '\0';
	}
	return 0;
}

int nftables_run(const char *ruleset, char *err, size_t err_len)
{
	return run(ruleset, NULL, 0, err, err_len);
}

int nftables_run_output(const char *ruleset, char *out, size_t out_len, char *err, size_t err_len)
{
	if (!out || out_len == 0)
		return -EINVAL;
	return run(ruleset, out, out_len, err, err_len);
}
