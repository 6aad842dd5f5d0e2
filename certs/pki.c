#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "fileio.h"
#include "keys.h"
#include "msg.h"
#include "pki.h"

#define TMP_MARK     ".tlsvpn-tmp-"
#define INDEX_MAX    (64u << 20)
#define PEM_FILE_MAX (64u << 10)
#define STAGED_MAX   16

static char *strip_slashes(const char *dir)
{
	char *d = strdup(dir);
	size_t n;

	if (d == NULL)
		return NULL;
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

int pki_path(const struct pki *pki, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", pki->dir, name);

	if (n < 0 || (size_t)n >= size) {
		msg_err("%s/%s: path too long", pki->dir, name);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Temporaries left by a crashed run are ours alone (hidden, marked) and useless. */
static void remove_stale(struct pki *pki)
{
	int fd = dup(pki->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strstr(de->d_name, TMP_MARK) != NULL)
			unlinkat(pki->dirfd, de->d_name, 0);
	closedir(d);
}

int pki_open(const char *dir, struct pki **out)
{
	struct pki *pki = calloc(1, sizeof(*pki));
	struct stat st;
	int ret;

	if (pki != NULL)
		pki->dirfd = -1;
	if (pki == NULL || (pki->dir = strip_slashes(dir)) == NULL) {
		free(pki);
		msg_err("out of memory");
		return -ENOMEM;
	}
	pki->dirfd = open(pki->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pki->dirfd < 0) {
		ret = -errno;
		msg_err("%s: %s", pki->dir, strerror(errno));
		goto fail;
	}
	if (fstatat(pki->dirfd, "index.json", &st, 0) < 0) {
		ret = -ENOENT;
		msg_err("%s is not a tlsvpn PKI (no index.json); create one with `tlsvpn-certs "
			"init --dir %s`",
			pki->dir, pki->dir);
		goto fail;
	}
	if (flock(pki->dirfd, LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;
		msg_err("%s: another tlsvpn-certs is working on this PKI (%s)", pki->dir,
			strerror(errno));
		goto fail;
	}
	remove_stale(pki);
	*out = pki;
	return 0;
fail:
	pki_close(pki);
	return ret;
}

void pki_close(struct pki *pki)
{
	if (pki == NULL)
		return;
	if (pki->dirfd >= 0)
		close(pki->dirfd);
	free(pki->dir);
	free(pki);
}

int pki_read_file(const char *path, size_t max, bool secret, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		msg_err("%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		msg_err("%s: not a regular file", path);
		ret = -EINVAL;
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		msg_err("%s: mode %04o gives group or others access to a private key; run "
			"`chmod 600 %s`",
			path, (unsigned int)(st.st_mode & 07777), path);
		ret = -EPERM;
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		msg_err("%s: larger than %zu bytes", path, max);
		ret = -EFBIG;
		goto out;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		msg_err("out of memory");
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			msg_err("%s: read failed: %s", path,
				n < 0 ? strerror(errno) : "file shrank");
			ret = -EIO;
			goto out;
		}
		got += (size_t)n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL;
	ret = 0;
out:
	if (b != NULL)
		pki_secret_free(b, got);
	close(fd);
	return ret;
}

void pki_secret_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	mbedtls_platform_zeroize(buf, len);
	free(buf);
}

int pki_load_index(struct pki *pki, struct index **out)
{
	char path[4096], err[256];
	char *text;
	size_t len;
	int ret;

	if ((ret = pki_path(pki, "index.json", path, sizeof(path))) < 0 ||
	    (ret = pki_read_file(path, INDEX_MAX, false, &text, &len)) < 0)
		return ret;
	ret = index_parse(text, len, out, err, sizeof(err));
	free(text);
	if (ret == -ENOMEM)
		msg_err("out of memory");
	else if (ret < 0)
		msg_err("%s is corrupted: %s; restore it from a backup", path, err);
	return ret;
}

int pki_load_ca(struct pki *pki, struct pki_ca *ca)
{
	char crt_path[4096], key_path[4096];
	char *key = NULL;
	size_t crt_len, key_len = 0;
	int ret, r;

	memset(ca, 0, sizeof(*ca));
	mbedtls_x509_crt_init(&ca->crt);
	mbedtls_pk_init(&ca->key);
	if ((ret = pki_path(pki, "ca.crt", crt_path, sizeof(crt_path))) < 0 ||
	    (ret = pki_path(pki, "ca.key", key_path, sizeof(key_path))) < 0 ||
	    (ret = pki_read_file(crt_path, PEM_FILE_MAX, false, &ca->cert_pem, &crt_len)) < 0 ||
	    (ret = pki_read_file(key_path, PEM_FILE_MAX, true, &key, &key_len)) < 0)
		goto out;
	ret = -EINVAL;
	if ((r = mbedtls_x509_crt_parse(&ca->crt, (unsigned char *)ca->cert_pem, crt_len + 1)) !=
	    0) {
		msg_err("%s: not a certificate: %s", crt_path, msg_mbedtls(r));
		goto out;
	}
	if ((r = mbedtls_pk_parse_key(&ca->key, (unsigned char *)key, key_len + 1, NULL, 0)) != 0) {
		msg_err("%s: not a private key: %s", key_path, msg_mbedtls(r));
		goto out;
	}
	if ((r = mbedtls_pk_check_pair(&ca->crt.pk, &ca->key)) != 0) {
		msg_err("%s does not belong to %s", key_path, crt_path);
		goto out;
	}
	if (keys_key_id(&ca->key, ca->key_id) < 0) {
		msg_err("%s: cannot compute the key identifier", key_path);
		goto out;
	}
	ret = 0;
out:
	pki_secret_free(key, key_len);
	return ret;
}

void pki_ca_free(struct pki_ca *ca)
{
	if (ca == NULL)
		return;
	mbedtls_x509_crt_free(&ca->crt);
	mbedtls_pk_free(&ca->key);
	free(ca->cert_pem);
	ca->cert_pem = NULL;
}

/* ---- writing ---- */

/* Creates a new file with exactly mode (umask aside), writes it and syncs it. */
static int write_new(int fd, const char *path, const void *data, size_t len, mode_t mode)
{
	int ret = 0;

	if (fchmod(fd, mode) < 0 || (ret = fileio_write_all(fd, data, len)) < 0 || fsync(fd) < 0) {
		ret = ret < 0 ? ret : -errno;
		msg_err("%s: write failed: %s", path, strerror(-ret));
	}
	return ret;
}

/* The renames of a commit are durable only once their directory is synced. The
 * files are in place by then, so a failure cannot be undone: it is reported,
 * and the command fails, so the admin knows a crash now could lose the change. */
static int sync_dir_of(const char *path)
{
	int ret = fileio_sync_parent_dir(path);

	if (ret < 0)
		msg_err("%s: in place, but syncing its directory failed: %s", path, strerror(-ret));
	return ret;
}

struct staged {
	char *tmp, *final;
	bool done;
};

struct pki_txn {
	struct staged files[STAGED_MAX];
	size_t n;
};

struct pki_txn *pki_txn_new(void)
{
	struct pki_txn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		msg_err("out of memory");
	return t;
}

int pki_txn_stage(struct pki_txn *txn, const char *path, const void *data, size_t len, mode_t mode)
{
	char *copy = strdup(path), *copy2 = strdup(path), *tmp = NULL, *final = NULL;
	int fd, ret = -ENOMEM;

	if (copy == NULL || copy2 == NULL || txn->n == STAGED_MAX)
		goto nomem;
	if (asprintf(&tmp, "%s/.%s" TMP_MARK "XXXXXX", dirname(copy), basename(copy2)) < 0) {
		tmp = NULL;
		goto nomem;
	}
	if ((final = strdup(path)) == NULL)
		goto nomem;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		msg_err("%s: cannot create a temporary file next to it: %s", path, strerror(errno));
		goto out;
	}
	ret = write_new(fd, path, data, len, mode);
	close(fd);
	if (ret < 0) {
		unlink(tmp);
		goto out;
	}
	txn->files[txn->n++] = (struct staged){tmp, final, false};
	tmp = final = NULL;
	goto out;
nomem:
	msg_err("out of memory");
out:
	free(copy);
	free(copy2);
	free(tmp);
	free(final);
	return ret;
}

int pki_txn_commit(struct pki_txn *txn)
{
	for (size_t i = 0; i < txn->n; i++) {
		struct staged *s = &txn->files[i];

		if (rename(s->tmp, s->final) < 0) {
			int ret = -errno;

			msg_err("%s: cannot rename into place: %s", s->final, strerror(errno));
			return ret;
		}
		s->done = true;
	}
	for (size_t i = 0; i < txn->n; i++) {
		int ret = sync_dir_of(txn->files[i].final);

		if (ret < 0)
			return ret;
	}
	return 0;
}

void pki_txn_free(struct pki_txn *txn)
{
	if (txn == NULL)
		return;
	for (size_t i = 0; i < txn->n; i++) {
		if (!txn->files[i].done)
			unlink(txn->files[i].tmp);
		free(txn->files[i].tmp);
		free(txn->files[i].final);
	}
	free(txn);
}

/* ---- init ---- */

struct pki_init {
	char *dir, *tmp;
	int tmpfd;
	bool committed;
};

static int check_init_target(const char *dir)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	bool empty = true, ours = false;

	if (stat(dir, &st) < 0) {
		char *copy;
		bool parent_ok;

		if (errno != ENOENT) {
			msg_err("%s: %s", dir, strerror(errno));
			return -errno;
		}
		if ((copy = strdup(dir)) == NULL) {
			msg_err("out of memory");
			return -ENOMEM;
		}
		parent_ok = stat(dirname(copy), &st) == 0 && S_ISDIR(st.st_mode);
		free(copy);
		if (!parent_ok) {
			msg_err("%s: its parent directory does not exist", dir);
			return -ENOENT;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		msg_err("%s exists and is not a directory", dir);
		return -ENOTDIR;
	}
	if ((d = opendir(dir)) == NULL) {
		msg_err("%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		empty = false;
		if (strcmp(de->d_name, "index.json") == 0 || strcmp(de->d_name, "ca.crt") == 0 ||
		    strcmp(de->d_name, "ca.key") == 0)
			ours = true;
	}
	closedir(d);
	if (ours) {
		msg_err("%s already holds a CA; refusing to replace it", dir);
		return -EEXIST;
	}
	if (!empty) {
		msg_err("%s is not empty and is not a tlsvpn PKI; choose an empty or new directory",
			dir);
		return -ENOTEMPTY;
	}
	return 0;
}

int pki_init_begin(const char *dir, struct pki_init **out)
{
	struct pki_init *init = calloc(1, sizeof(*init));
	int ret;

	if (init == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	init->tmpfd = -1;
	if ((init->dir = strip_slashes(dir)) == NULL ||
	    asprintf(&init->tmp, "%s" TMP_MARK "XXXXXX", init->dir) < 0) {
		init->tmp = NULL;
		pki_init_free(init);
		msg_err("out of memory");
		return -ENOMEM;
	}
	if ((ret = check_init_target(init->dir)) < 0)
		goto fail;
	if (mkdtemp(init->tmp) == NULL) {
		ret = -errno;
		msg_err("%s: cannot create a directory next to it: %s", init->dir, strerror(errno));
		free(init->tmp);
		init->tmp = NULL;
		goto fail;
	}
	init->tmpfd = open(init->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (init->tmpfd < 0) {
		ret = -errno;
		msg_err("%s: %s", init->tmp, strerror(errno));
		goto fail;
	}
	*out = init;
	return 0;
fail:
	pki_init_free(init);
	return ret;
}

int pki_init_write(struct pki_init *init, const char *name, const void *data, size_t len,
		   mode_t mode)
{
	int fd = openat(init->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0) {
		ret = -errno;
		msg_err("%s/%s: %s", init->tmp, name, strerror(errno));
		return ret;
	}
	ret = write_new(fd, name, data, len, mode);
	close(fd);
	return ret;
}

int pki_init_commit(struct pki_init *init)
{
	/* The new directory's own entries first, then the rename into its parent. */
	if (fsync(init->tmpfd) < 0 && errno != EINVAL) {
		int ret = -errno;

		msg_err("%s: cannot sync: %s; nothing changed", init->tmp, strerror(errno));
		return ret;
	}
	/* rename(2) replaces an empty directory and refuses a non-empty one, so a
	 * concurrent init cannot be overwritten. */
	if (rename(init->tmp, init->dir) < 0) {
		int ret = -errno;

		if (errno == ENOTEMPTY || errno == EEXIST)
			msg_err("%s was filled by someone else meanwhile; nothing changed",
				init->dir);
		else
			msg_err("%s: cannot rename into place: %s", init->dir, strerror(errno));
		return ret;
	}
	init->committed = true;
	return sync_dir_of(init->dir);
}

static void remove_tmp_tree(struct pki_init *init)
{
	int fd = dup(init->tmpfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(init->tmpfd, de->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	rmdir(init->tmp);
}

void pki_init_free(struct pki_init *init)
{
	if (init == NULL)
		return;
	if (!init->committed && init->tmp != NULL && init->tmpfd >= 0)
		remove_tmp_tree(init);
	else if (!init->committed && init->tmp != NULL)
		rmdir(init->tmp);
	if (init->tmpfd >= 0)
		close(init->tmpfd);
	free(init->dir);
	free(init->tmp);
	free(init);
}
