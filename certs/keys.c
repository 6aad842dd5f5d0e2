#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>

#include "keys.h"

#define PEM_MAX 8192 /* an RSA 3072 private key is about 2.5 KiB of PEM */

/* The DRBG's entropy callback: read exactly len bytes from /dev/urandom. */
static int urandom_entropy(void *ctx, unsigned char *out, size_t len)
{
	int fd = *(int *)ctx;

	while (len > 0) {
		ssize_t n = read(fd, out, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int keys_rng_init(struct keys_rng *rng)
{
	static const char pers[] = "tlsvpn-certs";

	mbedtls_ctr_drbg_init(&rng->drbg);
	rng->urandom_fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rng->urandom_fd < 0)
		return -errno;
	if (mbedtls_ctr_drbg_seed(&rng->drbg, urandom_entropy, &rng->urandom_fd,
				  (const unsigned char *)pers, sizeof(pers) - 1) != 0) {
		keys_rng_free(rng);
		return -EIO;
	}
	return 0;
}

void keys_rng_free(struct keys_rng *rng)
{
	mbedtls_ctr_drbg_free(&rng->drbg);
	if (rng->urandom_fd >= 0)
		close(rng->urandom_fd);
	rng->urandom_fd = -1;
}

int keys_rng_random(void *p_rng, unsigned char *out, size_t len)
{
	struct keys_rng *rng = p_rng;

	return mbedtls_ctr_drbg_random(&rng->drbg, out, len);
}

int keys_type_parse(const char *s, enum keys_type *out)
{
	if (strcmp(s, "ec") == 0)
		*out = KEYS_EC_P256;
	else if (strcmp(s, "rsa") == 0)
		*out = KEYS_RSA_3072;
	else
		return -EINVAL;
	return 0;
}

int keys_generate(mbedtls_pk_context *pk, enum keys_type type, struct keys_rng *rng)
{
	mbedtls_pk_type_t pt = type == KEYS_EC_P256 ? MBEDTLS_PK_ECKEY : MBEDTLS_PK_RSA;

	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(pt)) != 0)
		return -ENOMEM;
	if (type == KEYS_EC_P256) {
		if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
					keys_rng_random, rng) != 0)
			return -EIO;
	} else if (mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), keys_rng_random, rng, 3072, 65537) !=
		   0) {
		return -EIO;
	}
	return 0;
}

int keys_key_id(mbedtls_pk_context *pk, uint8_t id[20])
{
	unsigned char buf[MBEDTLS_MPI_MAX_SIZE * 2 + 20];
	unsigned char *p = buf + sizeof(buf);
	int len = mbedtls_pk_write_pubkey(&p, buf, pk);

	if (len < 0)
		return -EINVAL;
	if (mbedtls_sha1_ret(p, (size_t)len, id) != 0)
		return -EIO;
	return 0;
}

int keys_write_pem(mbedtls_pk_context *pk, char **pem)
{
	unsigned char *buf = calloc(1, PEM_MAX);

	if (buf == NULL)
		return -ENOMEM;
	if (mbedtls_pk_write_key_pem(pk, buf, PEM_MAX) != 0) {
		mbedtls_platform_zeroize(buf, PEM_MAX);
		free(buf);
		return -EIO;
	}
	*pem = (char *)buf;
	return 0;
}

void keys_pem_free(char *pem)
{
	if (pem == NULL)
		return;
	mbedtls_platform_zeroize(pem, strlen(pem));
	free(pem);
}
