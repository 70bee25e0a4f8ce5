/* SPDX-License-Identifier: GPL-3.0-or-later */
/* renameat2 () and RENAME_NOREPLACE */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "SdFileKeystore"

#include "sd-file-keystore.h"
#include "sd-file-keystore-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC            "SDKEY\0\r\n"
#define MAGIC_LEN        8
#define FORMAT_VERSION   1
#define KDF_ARGON2ID13   1
#define CIPHER_SECRETBOX 1

#define OFF_VERSION  8
#define OFF_KDF      9
#define OFF_CIPHER   10
#define OFF_RESERVED 11
#define OFF_OPSLIMIT 12
#define OFF_MEMLIMIT 20
#define OFF_SALT     28
#define OFF_NONCE    (OFF_SALT + crypto_pwhash_SALTBYTES)
#define OFF_BOX      (OFF_NONCE + crypto_secretbox_NONCEBYTES)
#define PLAIN_LEN    (SD_SEED_LEN + 33)
#define BOX_LEN      (crypto_secretbox_MACBYTES + PLAIN_LEN)
#define OFF_CHECKSUM (OFF_BOX + BOX_LEN)
#define CHECKSUM_LEN 32
#define FILE_LEN     (OFF_CHECKSUM + CHECKSUM_LEN)

G_STATIC_ASSERT (FILE_LEN == 181);
G_STATIC_ASSERT (FILE_LEN == SD_KEY_FILE_LEN);

/* what a file may ask of us: above these a damaged or hostile file could
 * make start-up take minutes or gigabytes; still room for SENSITIVE */
#define MAX_OPSLIMIT 32
#define MAX_MEMLIMIT (G_GUINT64_CONSTANT (4) << 30)

/* a passphrase file larger than this is the wrong file */
#define MAX_PASSPHRASE_LEN 4096

struct _SdFileKeystore {
  GObject parent_instance;

  gchar *data_dir;        /* (owned) */
  gchar *path;            /* (owned) data_dir/account.key */
  guint8 *passphrase;     /* (owned) sodium_malloc'd */
  gsize passphrase_len;
  guint64 opslimit;
  guint64 memlimit;
};

static void sd_file_keystore_iface_init (SdKeystoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SdFileKeystore, sd_file_keystore, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_KEYSTORE,
                                                      sd_file_keystore_iface_init))

static gboolean
limits_are_sane (guint64 opslimit, guint64 memlimit)
{
  return opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN && opslimit <= MAX_OPSLIMIT &&
         memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN && memlimit <= MAX_MEMLIMIT &&
         memlimit <= G_MAXSIZE;
}

/* the 32-byte key for @salt, in sodium_malloc'd memory; NULL if Argon2id
 * could not get its memory */
static guint8 *
derive_key (SdFileKeystore *self,
            const guint8 *salt,
            guint64 opslimit,
            guint64 memlimit,
            GError **error)
{
  guint8 *key = sodium_malloc (crypto_secretbox_KEYBYTES);

  if (key == NULL ||
      crypto_pwhash (key, crypto_secretbox_KEYBYTES,
                     (const gchar *) self->passphrase, self->passphrase_len, salt,
                     opslimit, (gsize) memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    if (key != NULL)
      sodium_free (key);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot derive the key file's key (Argon2id with %" G_GUINT64_FORMAT
                 " MiB): out of memory", memlimit >> 20);
    return NULL;
  }
  return key;
}

static void
put_le64 (guint8 *out, guint64 value)
{
  guint64 le = GUINT64_TO_LE (value);

  memcpy (out, &le, sizeof le);
}

static guint64
get_le64 (const guint8 *in)
{
  guint64 le;

  memcpy (&le, in, sizeof le);
  return GUINT64_FROM_LE (le);
}

static void
account_id_of (const guint8 *seed, guint8 out[33])
{
  SdIdentity identity;

  sd_identity_from_seed (&identity, seed);
  out[0] = 0x05;
  memcpy (out + 1, identity.x25519_pk, 32);
  sd_identity_clear (&identity);
}

static gboolean
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    gssize n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static void
sync_dir (const gchar *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* best effort: the rename is already visible, this makes it durable */
  if (fd >= 0) {
    (void) fsync (fd);
    (void) close (fd);
  }
}

/* @target appears complete or not at all, and an existing one is never
 * replaced */
static gboolean
write_new_file (SdFileKeystore *self, const guint8 *data, gsize len, GError **error)
{
  g_autofree gchar *tmp = g_build_filename (self->data_dir, "." SD_KEY_FILE_NAME ".XXXXXX",
                                            NULL);
  int saved_errno;
  int fd;
  int r;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    saved_errno = errno;
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot create a key file in %s: %s", self->data_dir,
                 g_strerror (saved_errno));
    return FALSE;
  }
  /* whatever the umask, and in case mkstemp ever gets a wider default */
  if (fchmod (fd, 0600) != 0 || !write_all (fd, data, len) || fsync (fd) != 0) {
    saved_errno = errno;
    (void) close (fd);
    (void) g_unlink (tmp);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot write the key file %s: %s", tmp, g_strerror (saved_errno));
    return FALSE;
  }
  if (close (fd) != 0) {
    saved_errno = errno;
    (void) g_unlink (tmp);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot write the key file %s: %s", tmp, g_strerror (saved_errno));
    return FALSE;
  }

  r = renameat2 (AT_FDCWD, tmp, AT_FDCWD, self->path, RENAME_NOREPLACE);
  if (r != 0 && (errno == EINVAL || errno == ENOSYS)) {
    /* a file system without RENAME_NOREPLACE: a hard link is just as
     * atomic and just as unwilling to replace */
    r = link (tmp, self->path);
    saved_errno = errno;
    (void) g_unlink (tmp);
    errno = saved_errno;
  }
  if (r != 0) {
    saved_errno = errno;
    (void) g_unlink (tmp);
    if (saved_errno == EEXIST)
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_EXISTS,
                   "the key file %s already exists; not replacing it", self->path);
    else
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                   "cannot create the key file %s: %s", self->path, g_strerror (saved_errno));
    return FALSE;
  }
  sync_dir (self->data_dir);
  return TRUE;
}

static gboolean
sd_file_keystore_store (SdKeystore *keystore,
                        const guint8 *seed,
                        const gchar *session_id,
                        GCancellable *cancellable,
                        GError **error)
{
  SdFileKeystore *self = SD_FILE_KEYSTORE (keystore);
  guint8 file[FILE_LEN] = { 0 };
  guint8 *plain = NULL;
  guint8 *key = NULL;
  gboolean ok;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* checked again, atomically, by the rename; this spares the KDF */
  if (g_file_test (self->path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_EXISTS,
                 "the key file %s already exists; not replacing it", self->path);
    return FALSE;
  }
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0) {
    int saved_errno = errno;

    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot create the data dir %s: %s", self->data_dir,
                 g_strerror (saved_errno));
    return FALSE;
  }

  memcpy (file, MAGIC, MAGIC_LEN);
  file[OFF_VERSION] = FORMAT_VERSION;
  file[OFF_KDF] = KDF_ARGON2ID13;
  file[OFF_CIPHER] = CIPHER_SECRETBOX;
  file[OFF_RESERVED] = 0;
  put_le64 (file + OFF_OPSLIMIT, self->opslimit);
  put_le64 (file + OFF_MEMLIMIT, self->memlimit);
  randombytes_buf (file + OFF_SALT, crypto_pwhash_SALTBYTES);
  randombytes_buf (file + OFF_NONCE, crypto_secretbox_NONCEBYTES);

  key = derive_key (self, file + OFF_SALT, self->opslimit, self->memlimit, error);
  if (key == NULL)
    return FALSE;
  plain = sodium_malloc (PLAIN_LEN);
  if (plain == NULL) {
    sodium_free (key);
    g_set_error_literal (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                         "out of memory for a seed");
    return FALSE;
  }
  memcpy (plain, seed, SD_SEED_LEN);
  account_id_of (seed, plain + SD_SEED_LEN);
  crypto_secretbox_easy (file + OFF_BOX, plain, PLAIN_LEN, file + OFF_NONCE, key);
  sodium_free (plain);
  sodium_free (key);
  crypto_generichash (file + OFF_CHECKSUM, CHECKSUM_LEN, file, OFF_CHECKSUM, NULL, 0);

  ok = write_new_file (self, file, sizeof file, error);
  if (ok)
    g_debug ("stored the seed of %s in %s", session_id, self->path);
  return ok;
}

gboolean
sd_key_file_parse (const guint8 *file,
                   gsize len,
                   const gchar *path,
                   SdKeyFileHeader *out,
                   GError **error)
{
  guint8 checksum[CHECKSUM_LEN];
  guint64 opslimit, memlimit;

  if (len < OFF_VERSION + 1 || memcmp (file, MAGIC, MAGIC_LEN) != 0) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "%s is not a sessiond key file", path);
    return FALSE;
  }
  if (file[OFF_VERSION] != FORMAT_VERSION) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "the key file %s has format version %u; this sessiond reads version %u",
                 path, file[OFF_VERSION], FORMAT_VERSION);
    return FALSE;
  }
  if (len != FILE_LEN) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "the key file %s is damaged: %" G_GSIZE_FORMAT " bytes where %d belong%s",
                 path, len, FILE_LEN, len < FILE_LEN ? " (truncated)" : "");
    return FALSE;
  }
  crypto_generichash (checksum, sizeof checksum, file, OFF_CHECKSUM, NULL, 0);
  if (sodium_memcmp (checksum, file + OFF_CHECKSUM, CHECKSUM_LEN) != 0) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "the key file %s is damaged (checksum mismatch)", path);
    return FALSE;
  }
  opslimit = get_le64 (file + OFF_OPSLIMIT);
  memlimit = get_le64 (file + OFF_MEMLIMIT);
  if (file[OFF_KDF] != KDF_ARGON2ID13 || file[OFF_CIPHER] != CIPHER_SECRETBOX ||
      file[OFF_RESERVED] != 0 || !limits_are_sane (opslimit, memlimit)) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "the key file %s uses an unknown algorithm or unreasonable limits", path);
    return FALSE;
  }
  out->opslimit = opslimit;
  out->memlimit = memlimit;
  out->salt = file + OFF_SALT;
  out->nonce = file + OFF_NONCE;
  out->box = file + OFF_BOX;
  return TRUE;
}

gboolean
sd_key_file_open_box (const SdKeyFileHeader *header,
                      const guint8 *key,
                      const gchar *path,
                      guint8 *seed,
                      gchar **session_id,
                      GError **error)
{
  gchar id[SD_SESSION_ID_LEN + 1];
  guint8 *plain = sodium_malloc (PLAIN_LEN);

  if (plain == NULL) {
    g_set_error_literal (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                         "out of memory for a seed");
    return FALSE;
  }
  if (crypto_secretbox_open_easy (plain, header->box, BOX_LEN, header->nonce, key) != 0) {
    sodium_free (plain);
    /* the checksum held, so the box is as written: the key is wrong */
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_BAD_PASSPHRASE,
                 "wrong passphrase for the key file %s", path);
    return FALSE;
  }
  if (plain[SD_SEED_LEN] != 0x05) {
    sodium_free (plain);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT,
                 "the key file %s holds no Session account", path);
    return FALSE;
  }
  memcpy (seed, plain, SD_SEED_LEN);
  /* sd_keystore_lookup_sync () checks that it matches the seed */
  sd_session_id_format (plain + SD_SEED_LEN + 1, id);
  sodium_free (plain);
  *session_id = g_strdup (id);
  return TRUE;
}

static gboolean
sd_file_keystore_lookup (SdKeystore *keystore,
                         guint8 *seed,
                         gchar **session_id,
                         GCancellable *cancellable,
                         GError **error)
{
  SdFileKeystore *self = SD_FILE_KEYSTORE (keystore);
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *file = NULL;
  SdKeyFileHeader header;
  guint8 *key = NULL;
  gsize len = 0;
  gboolean opened;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!g_file_get_contents (self->path, (gchar **) &file, &len, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND,
                   "there is no key file %s", self->path);
    else
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                   "cannot read the key file: %s", local_error->message);
    return FALSE;
  }
  if (!sd_key_file_parse (file, len, self->path, &header, error))
    return FALSE;
  key = derive_key (self, header.salt, header.opslimit, header.memlimit, error);
  if (key == NULL)
    return FALSE;
  opened = sd_key_file_open_box (&header, key, self->path, seed, session_id, error);
  sodium_free (key);
  return opened;
}

static gboolean
sd_file_keystore_delete (SdKeystore *keystore, GCancellable *cancellable, GError **error)
{
  SdFileKeystore *self = SD_FILE_KEYSTORE (keystore);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (g_unlink (self->path) != 0) {
    int saved_errno = errno;

    if (saved_errno == ENOENT)
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND,
                   "there is no key file %s", self->path);
    else
      g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                   "cannot delete the key file %s: %s", self->path, g_strerror (saved_errno));
    return FALSE;
  }
  sync_dir (self->data_dir);
  return TRUE;
}

const gchar *
sd_file_keystore_get_path (SdFileKeystore *self)
{
  g_return_val_if_fail (SD_IS_FILE_KEYSTORE (self), NULL);

  return self->path;
}

void
sd_file_keystore_set_pwhash_limits (SdFileKeystore *self, guint64 opslimit, guint64 memlimit)
{
  g_return_if_fail (SD_IS_FILE_KEYSTORE (self));
  g_return_if_fail (limits_are_sane (opslimit, memlimit));

  self->opslimit = opslimit;
  self->memlimit = memlimit;
}

static void
sd_file_keystore_iface_init (SdKeystoreInterface *iface)
{
  iface->store = sd_file_keystore_store;
  iface->lookup = sd_file_keystore_lookup;
  iface->delete = sd_file_keystore_delete;
}

static void
sd_file_keystore_finalize (GObject *object)
{
  SdFileKeystore *self = SD_FILE_KEYSTORE (object);

  g_free (self->data_dir);
  g_free (self->path);
  /* sodium_free () wipes it */
  if (self->passphrase != NULL)
    sodium_free (self->passphrase);

  G_OBJECT_CLASS (sd_file_keystore_parent_class)->finalize (object);
}

static void
sd_file_keystore_class_init (SdFileKeystoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_file_keystore_finalize;
}

static void
sd_file_keystore_init (SdFileKeystore *self)
{
  /* the file is all an attacker with a copy of the data dir needs besides the
   * passphrase: make each guess cost 256 MiB and most of a second. Files written
   * with other limits (INTERACTIVE, before) open with the limits they record */
  self->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
  self->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
}

/* the passphrase file must be the user's alone: one that others can read
 * gives the key file away, one that others can write lets them choose it */
static gboolean
check_passphrase_file (int fd, const gchar *passphrase_file, GError **error)
{
  struct stat st;

  if (fstat (fd, &st) != 0) {
    int saved_errno = errno;

    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot read the passphrase file %s: %s", passphrase_file,
                 g_strerror (saved_errno));
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "the passphrase file %s is not a regular file", passphrase_file);
    return FALSE;
  }
  if (st.st_uid != getuid ()) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "the passphrase file %s belongs to uid %u, not to this user (uid %u)",
                 passphrase_file, (guint) st.st_uid, (guint) getuid ());
    return FALSE;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "the passphrase file %s has mode %04o: others may read or change it; "
                 "make it private with chmod 600",
                 passphrase_file, (guint) (st.st_mode & 07777));
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_passphrase (SdFileKeystore *self, const gchar *passphrase_file, GError **error)
{
  /* room for the longest passphrase, its CR/LF, and one byte to tell "too long" */
  const gsize room = MAX_PASSPHRASE_LEN + 3;
  guint8 *contents;
  gsize total = 0;
  gsize len;
  int saved_errno = 0;
  int fd;

  fd = open (passphrase_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    saved_errno = errno;
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot read the passphrase file %s: %s", passphrase_file,
                 g_strerror (saved_errno));
    return FALSE;
  }
  /* checked on the file that is read, not on whatever the name means later */
  if (!check_passphrase_file (fd, passphrase_file, error)) {
    (void) close (fd);
    return FALSE;
  }
  contents = sodium_malloc (room);
  if (contents == NULL) {
    (void) close (fd);
    g_set_error_literal (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                         "out of memory for the passphrase");
    return FALSE;
  }
  while (total < room) {
    gssize n = read (fd, contents + total, room - total);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      saved_errno = errno;
    if (n <= 0)
      break;
    total += (gsize) n;
  }
  (void) close (fd);
  if (saved_errno != 0) {
    sodium_free (contents);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED,
                 "cannot read the passphrase file %s: %s", passphrase_file,
                 g_strerror (saved_errno));
    return FALSE;
  }
  len = total;
  /* `echo secret > file` and editors add a line end that is not part of it */
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    len--;
  if (len == 0 || len > MAX_PASSPHRASE_LEN) {
    /* sodium_free () wipes it */
    sodium_free (contents);
    g_set_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_BAD_PASSPHRASE,
                 len == 0 ? "the passphrase file %s is empty"
                          : "the passphrase file %s is too long to be a passphrase",
                 passphrase_file);
    return FALSE;
  }
  self->passphrase = contents;
  self->passphrase_len = len;
  return TRUE;
}

/**
 * sd_file_keystore_new:
 * @data_dir: the daemon's data dir, where `account.key` lives
 * @passphrase_file: the file holding the passphrase
 * @error: return location for an error
 *
 * Returns: (transfer full): a new #SdKeystore, or %NULL if the passphrase
 *   file cannot be read or is empty
 */
SdKeystore *
sd_file_keystore_new (const gchar *data_dir, const gchar *passphrase_file, GError **error)
{
  g_autoptr(SdFileKeystore) self = NULL;

  g_return_val_if_fail (data_dir != NULL && *data_dir != '\0', NULL);
  g_return_val_if_fail (passphrase_file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SD_TYPE_FILE_KEYSTORE, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  self->path = g_build_filename (self->data_dir, SD_KEY_FILE_NAME, NULL);
  if (!read_passphrase (self, passphrase_file, error))
    return NULL;
  return SD_KEYSTORE (g_steal_pointer (&self));
}
