/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAttachments"

#include "config.h"

#include "sd-attachments.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd-attachment-crypto.h"
#include "sd-attachment-decryptor.h"
#include "sd-attachment-pointer.h"
#include "sd-avatar-crypto.h"
#include "sd-backoff.h"
#include "sd-network-error.h"
#include "sd-protocol-error.h"

/*
 * Our attachments use the legacy scheme (protocol-advanced.md §6.3), which every official
 * client still sends by default and every client, old or new, can read; the deterministic
 * one is behind a desktop feature flag. Its key and IV are drawn once and kept with the
 * row, so an upload retried after a restart sends the same blob (and the file server,
 * which names files by their hash, keeps one copy).
 *
 * One transfer at a time, in the order the store hands them out: the file server is one
 * host behind onion paths, and one 10 MB transfer already fills a path.
 */

#define RETRY_BASE_MS 1000
#define RETRY_MAX_MS (5 * 60 * 1000)
#define SECRET_LEN (SD_ATTACHMENT_LEGACY_KEY_LEN + SD_ATTACHMENT_LEGACY_IV_LEN)

G_DEFINE_QUARK (sd-attachments-error-quark, sd_attachments_error)

struct _SdAttachments {
  GObject parent_instance;

  SdStore *store;            /* (owned) */
  SdFileServer *file_server; /* (owned) */
  gchar *dir;                /* (owned) <data dir>/attachments */
  gchar *tmp_dir;            /* (owned) <dir>/tmp: files no row names yet, which the sweep
                              * leaves alone */
  gboolean running;
  gboolean busy;             /* a transfer is under way */
  guint timeout_id;
  guint sweep_id;
  GCancellable *cancellable; /* (owned) */
  guint auto_download_max;
  GHashTable *avatar_fetches; /* (owned) conversation → AvatarFetch: queued, in flight or
                              * waiting to be retried */
  GQueue avatar_queue;       /* (element-type AvatarFetch) (unowned) waiting their turn */
  guint avatars_in_flight;
  guint preparing;           /* prepares in a worker thread */
  GQueue prepare_queue;      /* (element-type GTask) (owned) waiting for a worker */
  gint64 uploading_max;      /* bytes: uploads waiting plus one more prepare */
  SdAttachmentsPlainFetch plain_fetch; /* (nullable) the communities' room files */
  gpointer plain_fetch_data;
};

enum { SIGNAL_CHANGED, SIGNAL_READY, SIGNAL_AVATAR_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdAttachments, sd_attachments, G_TYPE_OBJECT)

static void process (SdAttachments *self);
static void drop_waiting_avatars (SdAttachments *self);

/* ---- preparing what we send ---- */

static gchar *
new_file_name (void)
{
  guint8 random[16];
  gchar hex[33];

  randombytes_buf (random, sizeof random);
  sodium_bin2hex (hex, sizeof hex, random, sizeof random);
  return g_strdup (hex);
}

/* the size of the regular file behind @fd, at most SD_ATTACHMENTS_MAX_SIZE bytes */
static gboolean
check_fd (gint fd, gsize *size, GError **error)
{
  struct stat st;

  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UNREADABLE,
                         "an attachment is passed as the fd of a readable regular file");
    return FALSE;
  }
  if (st.st_size > SD_ATTACHMENTS_MAX_SIZE) {
    g_set_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_TOO_LARGE,
                 "an attachment has at most %d bytes", SD_ATTACHMENTS_MAX_SIZE);
    return FALSE;
  }
  *size = (gsize) st.st_size;
  return TRUE;
}

/* up to @len bytes of @fd from @offset; the count read, -1 with @error */
static gssize
read_at (gint fd, guint8 *buf, gsize len, gsize offset, GError **error)
{
  gsize got = 0;

  while (got < len) {
    ssize_t n = pread (fd, buf + got, len - got, (off_t) (offset + got));

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      g_set_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UNREADABLE,
                   "cannot read an attachment: %s", g_strerror (errno));
      return -1;
    }
    if (n == 0)
      break;
    got += (gsize) n;
  }
  return (gssize) got;
}

/* the whole file behind @fd (@size bytes by fstat); one byte more than that tells a file that
 * grew since */
static GBytes *
read_fd (gint fd, gsize size, GError **error)
{
  g_autofree guint8 *data = g_malloc (size + 1);
  gssize len = read_at (fd, data, size + 1, 0, error);

  if (len < 0)
    return NULL;
  if ((gsize) len > size) {
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UNREADABLE,
                         "an attachment changed while it was read");
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&data), (gsize) len);
}

#define COPY_PIECE (64 * 1024)

/* @fd (@size bytes by fstat) copied to a new file at @path in pieces, never whole in memory;
 * the size copied, -1 with @error (nothing left at @path) */
static gint64
copy_fd (gint fd, gsize size, const gchar *path, GError **error)
{
  g_autofree guint8 *piece = g_malloc (COPY_PIECE);
  gsize done = 0;
  gint out;

  out = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0) {
    gint saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot keep an attachment: %s", g_strerror (saved));
    return -1;
  }
  for (;;) {
    gssize n = read_at (fd, piece, COPY_PIECE, done, error);

    if (n < 0)
      goto fail;
    if (n == 0)
      break;
    if (done + (gsize) n > size) {
      g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UNREADABLE,
                           "an attachment changed while it was read");
      goto fail;
    }
    for (gssize w = 0; w < n;) {
      ssize_t m = write (out, piece + w, (gsize) (n - w));

      if (m < 0 && errno == EINTR)
        continue;
      if (m < 0) {
        gint saved = errno;

        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     "cannot keep an attachment: %s", g_strerror (saved));
        goto fail;
      }
      w += m;
    }
    done += (gsize) n;
  }
  if (fsync (out) != 0) {
    gint saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot keep an attachment: %s", g_strerror (saved));
    goto fail;
  }
  close (out);
  return (gint64) done;

fail:
  close (out);
  (void) g_unlink (path);
  return -1;
}

/* where sessiond-strip-metadata is: installed, or the test's build */
static const gchar *
strip_helper_path (void)
{
  const gchar *path = g_getenv ("SESSIOND_STRIP_METADATA");

  return path != NULL && *path != '\0' ? path : SESSIOND_STRIP_METADATA_PATH;
}

/* @data without EXIF (with any GPS position), XMP, IPTC and the comment, its orientation
 * kept, and its size in pixels. exiv2 parses it in sessiond-strip-metadata, a process of its
 * own with none of our keys or fds (docs/security.md). A file exiv2 cannot open or rewrite is
 * refused: nothing goes out with its metadata */
static GBytes *
strip_image (GBytes *data, guint32 *width, guint32 *height, GError **error)
{
  const gchar *argv[] = { strip_helper_path (), NULL };
  const gchar *const no_environment[] = { NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) helper = NULL;
  g_autoptr(GBytes) out = NULL;
  const guint8 *p;
  gsize len = 0;
  gboolean exited;
  gint status;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* an empty environment; GSubprocess passes no fd but the three pipes */
  g_subprocess_launcher_set_environ (launcher, (gchar **) no_environment);
  g_subprocess_launcher_set_cwd (launcher, "/");
  helper = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (helper == NULL)
    return NULL;
  if (!g_subprocess_communicate (helper, data, NULL, &out, NULL, error))
    return NULL;
  exited = g_subprocess_get_if_exited (helper);
  status = exited ? g_subprocess_get_exit_status (helper) : g_subprocess_get_term_sig (helper);
  p = out != NULL ? g_bytes_get_data (out, &len) : NULL;
  if (!exited || status != 0)
    /* how it ended, in the daemon's log (never the image): a refusal that surprises can be
     * told apart from a crash or a limit */
    g_message ("the metadata helper %s %d on %" G_GSIZE_FORMAT " bytes",
               exited ? "exited with" : "was killed by signal", status,
               g_bytes_get_size (data));
  /* 2: exiv2 cannot open it, 3: cannot write it back */
  if (exited && (status == 2 || status == 3)) {
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_IMAGE_UNSUPPORTED,
                         "an image whose metadata cannot be removed is not sent");
    return NULL;
  }
  if (!exited || status != 0 || p == NULL || len < 8 || len - 8 > SD_ATTACHMENTS_MAX_SIZE) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "the metadata of an image could not be removed");
    return NULL;
  }
  *width = MIN ((guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24,
                SD_ATTACHMENT_DIMENSION_MAX);
  *height = MIN ((guint32) p[4] | (guint32) p[5] << 8 | (guint32) p[6] << 16 | (guint32) p[7] << 24,
                 SD_ATTACHMENT_DIMENSION_MAX);
  return g_bytes_new_from_bytes (out, 8, len - 8);
}

/* "type/subtype", printable ASCII, bounded */
static gboolean
valid_content_type (const gchar *type)
{
  const gchar *slash = strchr (type, '/');

  if (slash == NULL || slash == type || slash[1] == '\0' ||
      strlen (type) > SD_ATTACHMENT_CONTENT_TYPE_MAX)
    return FALSE;
  for (const gchar *p = type; *p != '\0'; p++)
    if (*p <= ' ' || *p >= 127)
      return FALSE;
  return TRUE;
}

static void
clear_outgoing (SdOutgoingAttachment *a)
{
  g_free ((gchar *) a->file_name);
  g_free ((gchar *) a->content_type);
  g_free ((gchar *) a->caption);
  g_free ((gchar *) a->file);
  g_clear_pointer (&a->secret, g_bytes_unref);
}

void
sd_attachments_prepared_free (SdAttachments *self, GArray *prepared, gboolean remove_files)
{
  if (prepared == NULL)
    return;
  for (guint i = 0; i < prepared->len; i++) {
    SdOutgoingAttachment *a = &g_array_index (prepared, SdOutgoingAttachment, i);

    if (remove_files && a->file != NULL) {
      g_autofree gchar *path = g_build_filename (self->dir, a->file, NULL);
      g_autofree gchar *tmp = g_build_filename (self->tmp_dir, a->file, NULL);

      /* wherever it is: kept or not yet */
      (void) g_unlink (path);
      (void) g_unlink (tmp);
    }
    clear_outgoing (a);
  }
  g_array_unref (prepared);
}

/* what g_content_type_guess looks at */
#define SNIFF_LEN 4096

static gboolean
prepare_one (SdAttachments *self, const SdAttachmentSource *source, SdOutgoingAttachment *out,
             GError **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *type = NULL;
  guint8 secret[SECRET_LEN];
  gsize size = 0;

  if (!check_fd (source->fd, &size, error))
    return FALSE;
  if (source->file_name != NULL) {
    if (!g_utf8_validate (source->file_name, -1, NULL) ||
        strlen (source->file_name) > SD_ATTACHMENT_FILE_NAME_MAX) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "a file name is UTF-8 of at most %d bytes", SD_ATTACHMENT_FILE_NAME_MAX);
      return FALSE;
    }
    /* only the name goes out, never where it was on our disk */
    out->file_name = g_path_get_basename (source->file_name);
  }
  if (source->caption != NULL && (!g_utf8_validate (source->caption, -1, NULL) ||
                                  strlen (source->caption) > SD_ATTACHMENT_CAPTION_MAX)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "a caption is UTF-8 of at most %d bytes", SD_ATTACHMENT_CAPTION_MAX);
    return FALSE;
  }
  out->caption = g_strdup (source->caption);
  if (source->content_type != NULL && *source->content_type != '\0') {
    if (!valid_content_type (source->content_type)) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "a content type is type/subtype");
      return FALSE;
    }
    type = g_ascii_strdown (source->content_type, -1);
  } else {
    guint8 head[SNIFF_LEN];
    gssize n = read_at (source->fd, head, MIN (size, sizeof head), 0, error);
    g_autofree gchar *guess = NULL;

    if (n < 0)
      return FALSE;
    guess = g_content_type_guess (out->file_name, head, (gsize) n, NULL);
    type = g_content_type_get_mime_type (guess);
    if (type == NULL || !valid_content_type (type)) {
      g_free (type);
      type = g_strdup ("application/octet-stream");
    }
  }
  out->content_type = g_steal_pointer (&type);
  out->voice = source->voice;

  out->file = new_file_name ();
  /* no row names it before sd_attachments_prepared_keep: the sweep must not see it */
  path = g_build_filename (self->tmp_dir, out->file, NULL);
  if (g_str_has_prefix (out->content_type, "image/")) {
    /* what goes out is the stripped file: the helper takes it whole */
    GBytes *stripped;

    data = read_fd (source->fd, size, error);
    if (data == NULL)
      return FALSE;
    stripped = strip_image (data, &out->width, &out->height, error);
    if (stripped == NULL)
      return FALSE;
    g_bytes_unref (data);
    data = stripped;
    if (!g_file_set_contents_full (path, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
      return FALSE;
    out->size = (gint64) g_bytes_get_size (data);
  } else {
    /* anything else is copied as it is, a piece at a time */
    out->size = copy_fd (source->fd, size, path, error);
    if (out->size < 0)
      return FALSE;
  }
  randombytes_buf (secret, sizeof secret);
  out->secret = g_bytes_new (secret, sizeof secret);
  sodium_memzero (secret, sizeof secret);
  return TRUE;
}

gboolean
sd_attachments_prepare (SdAttachments *self, const SdAttachmentSource *sources, guint n_sources,
                        GArray **out, GError **error)
{
  g_autoptr(GArray) prepared = NULL;

  g_return_val_if_fail (SD_IS_ATTACHMENTS (self), FALSE);
  /* the count is checked once, by sd_attachments_prepare_async */
  g_return_val_if_fail (n_sources <= SD_ATTACHMENT_MAX_COUNT, FALSE);

  prepared = g_array_new (FALSE, TRUE, sizeof (SdOutgoingAttachment));
  for (guint i = 0; i < n_sources; i++) {
    SdOutgoingAttachment one = { 0 };

    one.size = -1;
    if (!prepare_one (self, &sources[i], &one, error)) {
      g_array_append_val (prepared, one);
      sd_attachments_prepared_free (self, g_steal_pointer (&prepared), TRUE);
      return FALSE;
    }
    g_array_append_val (prepared, one);
  }
  *out = g_steal_pointer (&prepared);
  return TRUE;
}

gboolean
sd_attachments_prepared_keep (SdAttachments *self, GArray *prepared, GError **error)
{
  g_return_val_if_fail (SD_IS_ATTACHMENTS (self), FALSE);

  for (guint i = 0; prepared != NULL && i < prepared->len; i++) {
    SdOutgoingAttachment *a = &g_array_index (prepared, SdOutgoingAttachment, i);
    g_autofree gchar *from = g_build_filename (self->tmp_dir, a->file, NULL);
    g_autofree gchar *to = g_build_filename (self->dir, a->file, NULL);

    if (g_rename (from, to) != 0) {
      gint saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot keep an attachment: %s", g_strerror (saved));
      return FALSE;
    }
  }
  return TRUE;
}

typedef struct {
  SdAttachmentSource *sources; /* (owned) fds duplicated, strings copied */
  guint n_sources;
} PrepareJob;

static void
prepare_job_free (PrepareJob *job)
{
  for (guint i = 0; i < job->n_sources; i++) {
    if (job->sources[i].fd >= 0)
      close (job->sources[i].fd);
    g_free ((gchar *) job->sources[i].file_name);
    g_free ((gchar *) job->sources[i].content_type);
    g_free ((gchar *) job->sources[i].caption);
  }
  g_free (job->sources);
  g_free (job);
}

static void
prepare_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PrepareJob *job = task_data;
  GArray *prepared = NULL;
  GError *error = NULL;

  /* only self->dir and self->tmp_dir are used, which never change */
  if (!sd_attachments_prepare (SD_ATTACHMENTS (source), job->sources, job->n_sources, &prepared,
                               &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, prepared, NULL);
}

static void start_prepare (SdAttachments *self, GTask *outer);

/* a worker finished: its caller gets the result, the next waiting prepare starts */
static void
on_prepare_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) outer = user_data;
  SdAttachments *self = SD_ATTACHMENTS (source);
  GError *error = NULL;
  GArray *prepared = g_task_propagate_pointer (G_TASK (result), &error);
  GTask *next;

  self->preparing--;
  if (prepared == NULL)
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, prepared, NULL);
  next = g_queue_pop_head (&self->prepare_queue);
  if (next != NULL)
    start_prepare (self, next);
}

/* @outer (transfer full): its task data is the job */
static void
start_prepare (SdAttachments *self, GTask *outer)
{
  g_autoptr(GTask) inner = g_task_new (self, g_task_get_cancellable (outer), on_prepare_done,
                                       outer);

  self->preparing++;
  g_task_set_task_data (inner, g_task_get_task_data (outer), NULL);
  g_task_run_in_thread (inner, prepare_in_thread);
}

/* what one more prepare of @sources would add to the uploads waiting: over the cap → refused,
 * so no caller can fill the disk and the upload queue */
static gboolean
check_upload_room (SdAttachments *self, const SdAttachmentSource *sources, guint n_sources,
                   GError **error)
{
  gint64 bytes = 0;

  if (!sd_store_attachment_uploading_bytes (self->store, &bytes, error))
    return FALSE;
  for (guint i = 0; i < n_sources; i++) {
    struct stat st;

    if (sources[i].fd >= 0 && fstat (sources[i].fd, &st) == 0 && S_ISREG (st.st_mode))
      bytes += MIN ((gint64) st.st_size, (gint64) SD_ATTACHMENTS_MAX_SIZE + 1);
  }
  if (bytes > self->uploading_max) {
    g_set_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UPLOADS_FULL,
                 "attachments of %" G_GINT64_FORMAT " bytes already wait for upload",
                 bytes);
    return FALSE;
  }
  return TRUE;
}

void
sd_attachments_prepare_async (SdAttachments *self, const SdAttachmentSource *sources,
                              guint n_sources, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  PrepareJob *job;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_attachments_prepare_async);
  /* the one count check of Send/SendMessage/SetAvatar */
  if (n_sources > SD_ATTACHMENT_MAX_COUNT) {
    g_task_return_new_error (task, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_TOO_MANY,
                             "a message has at most %d attachments", SD_ATTACHMENT_MAX_COUNT);
    return;
  }
  if (!check_upload_room (self, sources, n_sources, &error)) {
    g_task_return_error (task, error);
    return;
  }
  job = g_new0 (PrepareJob, 1);
  job->sources = g_new0 (SdAttachmentSource, MAX (n_sources, 1));
  job->n_sources = n_sources;
  for (guint i = 0; i < n_sources; i++) {
    /* our own copy: the caller's fd list may go before the worker reads */
    job->sources[i].fd = sources[i].fd >= 0 ? fcntl (sources[i].fd, F_DUPFD_CLOEXEC, 3) : -1;
    job->sources[i].file_name = g_strdup (sources[i].file_name);
    job->sources[i].content_type = g_strdup (sources[i].content_type);
    job->sources[i].caption = g_strdup (sources[i].caption);
    job->sources[i].voice = sources[i].voice;
  }
  g_task_set_task_data (task, job, (GDestroyNotify) prepare_job_free);
  /* a few workers at a time: a caller sending many files cannot take every thread, nor hold
   * many 10 MB files in memory at once; the rest wait their turn */
  if (self->preparing < SD_ATTACHMENTS_PREPARES_MAX)
    start_prepare (self, g_steal_pointer (&task));
  else
    g_queue_push_tail (&self->prepare_queue, g_steal_pointer (&task));
}

void
sd_attachments_set_uploading_max (SdAttachments *self, gint64 max_bytes)
{
  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  self->uploading_max = max_bytes;
}

GArray *
sd_attachments_prepare_finish (SdAttachments *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- transfers ---- */

typedef struct _Transfer Transfer;

/* how a worker thread (an upload's build, a download's decryption) tells a transfer of its
 * progress: through the main context, where the transfer may have ended meanwhile */
typedef struct {
  gatomicrefcount ref;
  GMainContext *context;    /* (owned) the transfer's */
  Transfer *transfer;       /* (unowned) main context only; NULL once the transfer ended */
} ProgressLink;

static ProgressLink *
progress_link_new (Transfer *transfer)
{
  ProgressLink *link = g_new0 (ProgressLink, 1);

  g_atomic_ref_count_init (&link->ref);
  link->context = g_main_context_ref_thread_default ();
  link->transfer = transfer;
  return link;
}

static ProgressLink *
progress_link_ref (ProgressLink *link)
{
  g_atomic_ref_count_inc (&link->ref);
  return link;
}

static void
progress_link_unref (ProgressLink *link)
{
  if (!g_atomic_ref_count_dec (&link->ref))
    return;
  g_main_context_unref (link->context);
  g_free (link);
}

/* a worker's side of the link: what it last posted, so that it posts a figure once */
typedef struct {
  ProgressLink *link;       /* (owned) */
  gboolean upload;
  guint posted;
} ProgressPoster;

/* what an upload reads its file from: the file is read and encrypted straight into the
 * onion request, again for each attempt (the same key and IV give the same blob) */
typedef struct {
  gint fd;
  gsize size;
  guint8 secret[SECRET_LEN];
  guint8 digest[SD_ATTACHMENT_DIGEST_LEN];
  ProgressPoster build;     /* the build's progress (worker thread) */
} UploadSource;

struct _Transfer {
  SdAttachments *self;      /* (owned) */
  SdAttachmentWork *work;   /* (owned) */
  SdAttachmentPointer *pointer; /* (owned) (nullable) a download's */
  UploadSource *source;     /* (owned) (nullable) an upload's */
  gchar *tmp_path;          /* (owned) (nullable) a download's decrypted file, not yet kept */
  SdFileProgress shown;     /* percent over the phases: build, bytes, check and decryption */
  ProgressLink *link;       /* (owned) where workers send their progress */
  guint progress;           /* the newest percent (shown.percent) */
  guint reported;           /* the last percent handed to the store and signalled */
  gint64 reported_at;       /* and when (monotonic µs) */
  guint progress_id;        /* the pending report of a newer percent */
};

static void emit_changed (SdAttachments *self, const gchar *message_id);

static void
transfer_free (Transfer *transfer)
{
  g_clear_handle_id (&transfer->progress_id, g_source_remove);
  /* what workers still post goes nowhere */
  transfer->link->transfer = NULL;
  progress_link_unref (transfer->link);
  if (transfer->reported > 0) {
    /* done, failed or to be tried again: the row's state speaks from now on */
    sd_store_attachment_set_progress (transfer->self->store, transfer->work->local_id,
                                      transfer->work->info->index, 0);
    emit_changed (transfer->self, transfer->work->message_id);
  }
  g_object_unref (transfer->self);
  sd_attachment_work_free (transfer->work);
  g_clear_pointer (&transfer->pointer, sd_attachment_pointer_free);
  if (transfer->source != NULL) {
    if (transfer->source->fd >= 0)
      close (transfer->source->fd);
    g_clear_pointer (&transfer->source->build.link, progress_link_unref);
    sodium_memzero (transfer->source, sizeof *transfer->source);
    g_free (transfer->source);
  }
  if (transfer->tmp_path != NULL)
    (void) g_unlink (transfer->tmp_path);
  g_free (transfer->tmp_path);
  g_free (transfer);
}

static void
emit_changed (SdAttachments *self, const gchar *message_id)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, message_id);
}

/* at most one report of a transfer's progress each PROGRESS_INTERVAL_MS: a MessageChanged
 * (and a store lookup) each, whatever the number of pieces libsoup moves. The first one goes at
 * once, so even a fast transfer shows that it is under way */
#define PROGRESS_INTERVAL_MS 100

static void
report_now (Transfer *transfer)
{
  transfer->reported = transfer->progress;
  transfer->reported_at = g_get_monotonic_time ();
  sd_store_attachment_set_progress (transfer->self->store, transfer->work->local_id,
                                    transfer->work->info->index, transfer->reported);
  emit_changed (transfer->self, transfer->work->message_id);
}

static gboolean
report_progress (gpointer user_data)
{
  Transfer *transfer = user_data;

  transfer->progress_id = 0;
  if (transfer->progress != transfer->reported)
    report_now (transfer);
  return G_SOURCE_REMOVE;
}

/* the transfer's percent over its phases (sd_file_progress_update: growing, below 100) */
static void
transfer_progress (Transfer *transfer, SdFilePhase phase, guint64 done, guint64 total)
{
  gint64 since;

  if (!sd_file_progress_update (&transfer->shown, phase, done, total))
    return;
  transfer->progress = transfer->shown.percent;
  if (transfer->progress_id != 0)
    return;
  since = (g_get_monotonic_time () - transfer->reported_at) / 1000;
  if (transfer->reported == 0 || since >= PROGRESS_INTERVAL_MS)
    report_now (transfer);
  else
    transfer->progress_id = g_timeout_add ((guint) (PROGRESS_INTERVAL_MS - since),
                                           report_progress, transfer);
}

/* bytes through the onion request (sd_transport_post_progress_async): the request of an
 * upload, the reply of a download (the other direction is not counted) */
static void
on_transfer_progress (gboolean sending, guint64 done, guint64 total, gpointer user_data)
{
  transfer_progress (user_data, sending ? SD_FILE_PHASE_SEND : SD_FILE_PHASE_RECEIVE, done,
                     total);
}

typedef struct {
  ProgressLink *link;       /* (owned) */
  SdFilePhase phase;
  guint64 done, total;
} ProgressPost;

static gboolean
apply_post (gpointer user_data)
{
  ProgressPost *post = user_data;

  if (post->link->transfer != NULL)
    transfer_progress (post->link->transfer, post->phase, post->done, post->total);
  return G_SOURCE_REMOVE;
}

static void
progress_post_free (ProgressPost *post)
{
  progress_link_unref (post->link);
  g_free (post);
}

/* from a worker thread: only a figure that moves is posted (a few dozen per transfer) */
static void
post_progress (ProgressPoster *poster, SdFilePhase phase, guint64 done, guint64 total)
{
  guint percent = sd_file_progress_percent (poster->upload, phase, done, total);
  ProgressPost *post;
  GSource *idle;

  if (poster->link == NULL || percent <= poster->posted)
    return;
  poster->posted = percent;
  post = g_new0 (ProgressPost, 1);
  post->link = progress_link_ref (poster->link);
  post->phase = phase;
  post->done = done;
  post->total = total;
  /* an idle, never g_main_context_invoke: that may run it here when nobody owns the context */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, apply_post, post, (GDestroyNotify) progress_post_free);
  g_source_attach (idle, poster->link->context);
  g_source_unref (idle);
}

static void
on_build_progress (guint64 done, guint64 total, gpointer user_data)
{
  post_progress (user_data, SD_FILE_PHASE_BUILD, done, total);
}

static void
on_open_progress (guint64 done, guint64 total, gpointer user_data)
{
  post_progress (user_data, SD_FILE_PHASE_OPEN, done, total);
}

/* the transfer is over (either way): the next one may start */
static void
transfer_end (Transfer *transfer)
{
  SdAttachments *self = g_object_ref (transfer->self);

  transfer_free (transfer);
  self->busy = FALSE;
  process (self);
  g_object_unref (self);
}

/* FALSE when not recorded (the row is gone, or the store failed) */
static gboolean
set_state (SdAttachments *self, SdAttachmentWork *work, SdAttachmentState state,
           const gchar *file, const gchar *reason)
{
  g_autoptr(GError) error = NULL;

  if (!sd_store_attachment_set_state (self->store, work->local_id, work->info->index, state,
                                      file, reason, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
      g_debug ("an attachment's message went while it was transferred");
    else
      g_warning ("could not record an attachment's state: %s", error->message);
    return FALSE;
  }
  emit_changed (self, work->message_id);
  return TRUE;
}

/* a failure that may pass: retried later, up to SD_ATTACHMENTS_MAX_ATTEMPTS */
static void
retry_or_fail (SdAttachments *self, SdAttachmentWork *work, const gchar *reason)
{
  g_autoptr(GError) error = NULL;
  guint attempts = work->attempts + 1;

  g_debug ("attachment %u of %s: attempt %u failed: %s", work->info->index, work->message_id,
           attempts, reason);
  if (attempts < SD_ATTACHMENTS_MAX_ATTEMPTS) {
    gint64 delay = sd_backoff_delay (RETRY_BASE_MS, RETRY_MAX_MS, attempts);

    if (!sd_store_attachment_reschedule (self->store, work->local_id, work->info->index,
                                         g_get_real_time () / 1000 + delay, reason, &error))
      g_warning ("could not reschedule an attachment: %s", error->message);
    return;
  }
  set_state (self, work, SD_ATTACHMENT_STATE_FAILED, NULL, reason);
  if (work->outgoing) {
    /* the message cannot go without it */
    g_autoptr(SdMessage) failed = sd_store_mark_failed (self->store, work->message_id,
                                                        "an attachment could not be uploaded",
                                                        NULL);
    emit_changed (self, work->message_id);
  }
}

static void
on_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *transfer = user_data;
  SdAttachments *self = transfer->self;
  SdAttachmentWork *work = transfer->work;
  SdAttachmentInfo *info = work->info;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = sd_file_server_upload_finish (SD_FILE_SERVER (source), result, &error);
  SdAttachmentPointer pointer = { 0 };
  g_autoptr(GBytes) wire = NULL;
  gboolean all_done = FALSE;

  if (url == NULL) {
    /* the file server refused this blob (4xx): the same blob would be refused again */
    if (g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED))
      work->attempts = SD_ATTACHMENTS_MAX_ATTEMPTS;
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      retry_or_fail (self, work, error->message);
    transfer_end (transfer);
    return;
  }
  pointer.url = url;
  /* a custom file server is named by its key, so that every client can reach it */
  pointer.server_pubkey = (gchar *) sd_file_server_get_pointer_key (self->file_server);
  pointer.content_type = info->content_type;
  pointer.file_name = info->file_name;
  pointer.caption = info->caption;
  pointer.key = g_bytes_new_from_bytes (work->secret, 0, SD_ATTACHMENT_LEGACY_KEY_LEN);
  pointer.digest = g_bytes_new (transfer->source->digest, sizeof transfer->source->digest);
  pointer.scheme = SD_ATTACHMENT_SCHEME_LEGACY;
  pointer.size = info->size;
  pointer.voice_message = info->voice;
  pointer.width = info->width;
  pointer.height = info->height;
  wire = sd_attachment_pointer_encode (&pointer);
  g_bytes_unref (pointer.key);
  g_bytes_unref (pointer.digest);
  if (!sd_store_attachment_uploaded (self->store, work->local_id, info->index, wire, &all_done,
                                     &error)) {
    g_warning ("could not record an upload: %s", error->message);
  } else {
    emit_changed (self, work->message_id);
    if (all_done)
      g_signal_emit (self, signals[SIGNAL_READY], 0, work->message_id);
  }
  transfer_end (transfer);
}

/* the blob of @user_data's file, written where the onion request carries it */
static gboolean
fill_upload (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  UploadSource *source = user_data;
  guint8 *file = dst + SD_ATTACHMENT_LEGACY_IV_LEN;
  guint8 extra;
  gsize got = 0;
  ssize_t n;

  if (len != sd_attachment_legacy_blob_size (source->size)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "an attachment's blob is not the size it was given");
    return FALSE;
  }

  while (got < source->size) {
    n = pread (source->fd, file + got, source->size - got, (off_t) got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error (error, G_IO_ERROR, n < 0 ? g_io_error_from_errno (errno) : G_IO_ERROR_FAILED,
                   "cannot read an attachment to upload: %s",
                   n < 0 ? g_strerror (errno) : "it shrank");
      return FALSE;
    }
    got += (gsize) n;
  }
  /* ours, kept since Send: it does not change, but a changed file must not go out half-read */
  while ((n = pread (source->fd, &extra, 1, (off_t) got)) < 0 && errno == EINTR)
    ;
  if (n != 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "an attachment to upload changed since it was sent");
    return FALSE;
  }
  return sd_attachment_legacy_seal_in_place_progress (source->secret,
                                                      source->secret +
                                                        SD_ATTACHMENT_LEGACY_KEY_LEN,
                                                      dst, source->size, source->digest,
                                                      on_build_progress, &source->build,
                                                      error);
}

static void
start_upload (SdAttachments *self, Transfer *transfer)
{
  SdAttachmentWork *work = transfer->work;
  g_autofree gchar *path = NULL;
  UploadSource *source;
  struct stat st;

  if (work->secret == NULL || g_bytes_get_size (work->secret) != SECRET_LEN ||
      work->info->file == NULL) {
    work->attempts = SD_ATTACHMENTS_MAX_ATTEMPTS;
    retry_or_fail (self, work, "the upload lost its key or file");
    transfer_end (transfer);
    return;
  }
  path = g_build_filename (self->dir, work->info->file, NULL);
  source = transfer->source = g_new0 (UploadSource, 1);
  source->fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  /* the pointer will say info->size: a file that is not that size is not the one we kept */
  if (source->fd < 0 || fstat (source->fd, &st) != 0 || !S_ISREG (st.st_mode) ||
      st.st_size > SD_ATTACHMENTS_MAX_SIZE || (gint64) st.st_size != work->info->size) {
    /* the copy is gone: this can never work */
    work->attempts = SD_ATTACHMENTS_MAX_ATTEMPTS;
    retry_or_fail (self, work, source->fd < 0 ? g_strerror (errno) : "the file is not ours");
    transfer_end (transfer);
    return;
  }
  source->size = (gsize) st.st_size;
  memcpy (source->secret, g_bytes_get_data (work->secret, NULL), SECRET_LEN);
  source->build.link = progress_link_ref (transfer->link);
  source->build.upload = TRUE;
  /* under way from here: the build (read, encrypt, onion layers) comes before any byte goes */
  transfer_progress (transfer, SD_FILE_PHASE_BUILD, 0, 1);
  /* the file is read, padded and encrypted where the onion request holds it: a 10 MB
   * attachment is in memory once while it goes */
  sd_file_server_upload_filled_async (self->file_server,
                                      sd_attachment_legacy_blob_size (source->size),
                                      fill_upload, source, NULL, on_transfer_progress,
                                      transfer, self->cancellable, on_uploaded, transfer);
}

/* a small file (an avatar) written whole */
static gboolean
write_plaintext (SdAttachments *self, GBytes *plain, gchar **out_file, GError **error)
{
  g_autofree gchar *file = new_file_name ();
  g_autofree gchar *path = g_build_filename (self->dir, file, NULL);

  if (!g_file_set_contents_full (path, g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  *out_file = g_steal_pointer (&file);
  return TRUE;
}

/* ---- downloads: verified and decrypted in a worker, straight into a file ---- */

typedef struct {
  GBytes *blob;                       /* (owned) */
  const SdAttachmentPointer *pointer; /* (unowned) the transfer's, untouched meanwhile */
  const gchar *tmp_path;              /* (unowned) the transfer's */
  ProgressPoster open;                /* the check and decryption's progress */
} DecryptJob;

static void
decrypt_job_free (DecryptJob *job)
{
  g_bytes_unref (job->blob);
  g_clear_pointer (&job->open.link, progress_link_unref);
  g_free (job);
}

static gboolean
write_all (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  gint fd = GPOINTER_TO_INT (user_data);

  while (len > 0) {
    ssize_t n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      gint saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot write a downloaded attachment: %s", g_strerror (saved));
      return FALSE;
    }
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

/* SD_PROTOCOL_ERROR: the blob is bad (failed for good); G_IO_ERROR: our disk (retried) */
static gboolean
decrypt_to_file (DecryptJob *job, gint fd, GError **error)
{
  const SdAttachmentPointer *pointer = job->pointer;
  const guint8 *blob;
  gsize len = 0;

  blob = g_bytes_get_data (job->blob, &len);
  /* nothing reaches the file before the digest and MAC (legacy) or each chunk's tag
   * (deterministic) check out; a failure later leaves a file nobody sees */
  if (pointer->scheme == SD_ATTACHMENT_SCHEME_LEGACY) {
    if (!sd_attachment_legacy_decrypt_to_progress (
          blob, len, g_bytes_get_data (pointer->key, NULL), g_bytes_get_size (pointer->key),
          pointer->digest != NULL ? g_bytes_get_data (pointer->digest, NULL) : NULL,
          pointer->digest != NULL ? g_bytes_get_size (pointer->digest) : 0, pointer->size,
          write_all, GINT_TO_POINTER (fd), on_open_progress, &job->open, error))
      return FALSE;
  } else {
    g_autoptr(SdAttachmentDecryptor) d = NULL;

    if (len > SD_ATTACHMENT_DET_MAX_BLOB) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                   "attachment blob of %" G_GSIZE_FORMAT " bytes is over the limit", len);
      return FALSE;
    }
    d = sd_attachment_decryptor_new (g_bytes_get_data (pointer->key, NULL),
                                     g_bytes_get_size (pointer->key), SD_ATTACHMENT_DET_MAX_BLOB,
                                     write_all, GINT_TO_POINTER (fd), error);
    if (d == NULL || !sd_attachment_decryptor_update (d, blob, len, error) ||
        !sd_attachment_decryptor_finish (d, error))
      return FALSE;
  }
  if (fsync (fd) != 0) {
    gint saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "cannot write a downloaded attachment: %s", g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

static void
decrypt_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DecryptJob *job = task_data;
  GError *error = NULL;
  gint fd;
  gboolean ok;

  fd = g_open (job->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    gint saved = errno;

    g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                             "cannot keep a downloaded attachment: %s", g_strerror (saved));
    return;
  }
  ok = decrypt_to_file (job, fd, &error);
  close (fd);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_decrypted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *transfer = user_data;
  SdAttachments *self = transfer->self;
  SdAttachmentWork *work = transfer->work;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    if (error->domain == SD_PROTOCOL_ERROR)
      set_state (self, work, SD_ATTACHMENT_STATE_FAILED, NULL, error->message);
    else if (!g_cancellable_is_cancelled (self->cancellable))
      retry_or_fail (self, work, error->message);
    transfer_end (transfer);
    return;
  }
  if (g_cancellable_is_cancelled (self->cancellable)) {
    /* stopped meanwhile: the row still says downloading, the next start does it again */
    transfer_end (transfer);
    return;
  }
  /* kept in the same main-loop turn as the row that names it, so the sweep never sees it
   * unnamed */
  file = new_file_name ();
  path = g_build_filename (self->dir, file, NULL);
  if (g_rename (transfer->tmp_path, path) != 0) {
    retry_or_fail (self, work, g_strerror (errno));
    transfer_end (transfer);
    return;
  }
  g_clear_pointer (&transfer->tmp_path, g_free);
  /* the message may have gone while it downloaded: then so does the file */
  if (!set_state (self, work, SD_ATTACHMENT_STATE_AVAILABLE, file, NULL))
    sd_attachments_sweep (self);
  transfer_end (transfer);
}

/* a download that brought no file: gone from the server (expired), refused (failed), or
 * tried again later */
static void
download_failed (SdAttachments *self, SdAttachmentWork *work, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    set_state (self, work, SD_ATTACHMENT_STATE_EXPIRED, NULL, error->message);
  else if (g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED))
    set_state (self, work, SD_ATTACHMENT_STATE_FAILED, NULL, error->message);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    retry_or_fail (self, work, error->message);
}

static void
on_downloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *transfer = user_data;
  SdAttachments *self = transfer->self;
  SdAttachmentWork *work = transfer->work;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = sd_file_server_download_finish (SD_FILE_SERVER (source), result,
                                                           &error);
  g_autoptr(GTask) task = NULL;
  g_autofree gchar *tmp_file = NULL;
  DecryptJob *job;

  if (blob == NULL) {
    download_failed (self, work, error);
    transfer_end (transfer);
    return;
  }
  /* verifying and decrypting 10 MB takes tens of ms: not on the main loop */
  tmp_file = new_file_name ();
  transfer->tmp_path = g_build_filename (self->tmp_dir, tmp_file, NULL);
  job = g_new0 (DecryptJob, 1);
  job->blob = g_steal_pointer (&blob);
  job->pointer = transfer->pointer;
  job->tmp_path = transfer->tmp_path;
  /* every byte is in: the check and decryption are the rest */
  transfer_progress (transfer, SD_FILE_PHASE_OPEN, 0, 1);
  job->open.link = progress_link_ref (transfer->link);
  job->open.posted = transfer->shown.percent;
  task = g_task_new (self, NULL, on_decrypted, transfer);
  g_task_set_task_data (task, job, (GDestroyNotify) decrypt_job_free);
  g_task_run_in_thread (task, decrypt_in_thread);
}

/* a room file written: named by its row in this same turn */
static void
on_plain_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *transfer = user_data;
  SdAttachments *self = transfer->self;
  SdAttachmentWork *work = transfer->work;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = NULL;

  if (!sd_attachments_store_file_finish (self, result, &file, &error)) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      retry_or_fail (self, work, error->message);
    transfer_end (transfer);
    return;
  }
  if (!set_state (self, work, SD_ATTACHMENT_STATE_AVAILABLE, file, NULL))
    sd_attachments_sweep (self);
  transfer_end (transfer);
}

/* a file kept in plaintext where it came from (a community's room file): kept as it is,
 * written off the main loop */
static void
on_plain_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *transfer = user_data;
  SdAttachments *self = transfer->self;
  SdAttachmentWork *work = transfer->work;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = g_task_propagate_pointer (G_TASK (result), &error);

  if (plain == NULL) {
    download_failed (self, work, error);
    transfer_end (transfer);
    return;
  }
  sd_attachments_store_file_async (self, plain, self->cancellable, on_plain_written, transfer);
}

/* ---- a file kept as it came: written in a worker under tmp/, then moved into place on the
 * main loop, in the turn that names it in a row ---- */

typedef struct {
  GBytes *data;           /* (owned) */
  gchar *tmp_path;        /* (owned) (nullable) the written file, until it is kept */
} PlainJob;

static void
plain_job_free (PlainJob *job)
{
  g_bytes_unref (job->data);
  if (job->tmp_path != NULL)
    (void) g_unlink (job->tmp_path);
  g_free (job->tmp_path);
  g_free (job);
}

static void
plain_write_in_thread (GTask *task, gpointer source, gpointer task_data,
                       GCancellable *cancellable)
{
  PlainJob *job = task_data;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!g_file_set_contents_full (job->tmp_path, g_bytes_get_data (job->data, NULL),
                                 g_bytes_get_size (job->data), G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sd_attachments_store_file_async (SdAttachments *self, GBytes *data, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree gchar *tmp_file = new_file_name ();
  PlainJob *job = g_new0 (PlainJob, 1);

  g_return_if_fail (SD_IS_ATTACHMENTS (self));

  job->data = g_bytes_ref (data);
  job->tmp_path = g_build_filename (self->tmp_dir, tmp_file, NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_attachments_store_file_async);
  g_task_set_task_data (task, job, (GDestroyNotify) plain_job_free);
  g_task_run_in_thread (task, plain_write_in_thread);
}

gboolean
sd_attachments_store_file_finish (SdAttachments *self, GAsyncResult *result, gchar **out_file,
                                  GError **error)
{
  PlainJob *job;
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  file = new_file_name ();
  path = g_build_filename (self->dir, file, NULL);
  if (g_rename (job->tmp_path, path) != 0) {
    gint saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot keep a file: %s",
                 g_strerror (saved));
    return FALSE;
  }
  g_clear_pointer (&job->tmp_path, g_free);
  *out_file = g_steal_pointer (&file);
  return TRUE;
}

gchar *
sd_attachments_prepared_path (SdAttachments *self, const gchar *file)
{
  g_return_val_if_fail (SD_IS_ATTACHMENTS (self), NULL);

  return g_build_filename (self->tmp_dir, file, NULL);
}

void
sd_attachments_set_plain_fetch (SdAttachments *self, SdAttachmentsPlainFetch fetch,
                                gpointer user_data)
{
  g_return_if_fail (SD_IS_ATTACHMENTS (self));

  self->plain_fetch = fetch;
  self->plain_fetch_data = user_data;
}

static void
start_download (SdAttachments *self, Transfer *transfer)
{
  SdAttachmentWork *work = transfer->work;
  g_autoptr(GError) error = NULL;
  gsize max;

  /* a community's room file: not the file server's, and not encrypted */
  if (self->plain_fetch != NULL && work->pointer != NULL &&
      self->plain_fetch (work->pointer, SD_ATTACHMENTS_MAX_SIZE, self->cancellable,
                         on_plain_fetched, transfer, self->plain_fetch_data))
    return;

  if (work->pointer != NULL)
    transfer->pointer = sd_attachment_pointer_decode (g_bytes_get_data (work->pointer, NULL),
                                                      g_bytes_get_size (work->pointer), &error);
  if (transfer->pointer == NULL) {
    set_state (self, work, SD_ATTACHMENT_STATE_FAILED, NULL,
               error != NULL ? error->message : "no pointer");
    transfer_end (transfer);
    return;
  }
  max = transfer->pointer->scheme == SD_ATTACHMENT_SCHEME_LEGACY ? SD_ATTACHMENT_LEGACY_MAX_BLOB
                                                                 : SD_ATTACHMENT_DET_MAX_BLOB;
  sd_file_server_download_async (self->file_server, transfer->pointer, max,
                                 on_transfer_progress, transfer, self->cancellable,
                                 on_downloaded, transfer);
}

static gboolean
on_timer (gpointer user_data)
{
  SdAttachments *self = user_data;

  self->timeout_id = 0;
  process (self);
  return G_SOURCE_REMOVE;
}

static void
process (SdAttachments *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  gint64 now = g_get_real_time () / 1000;
  gint64 next = G_MAXINT64;
  Transfer *transfer;

  if (!self->running || self->busy)
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  due = sd_store_attachment_work_due (self->store, now, 1, &error);
  if (due == NULL) {
    g_warning ("could not read the attachment work: %s", error->message);
    return;
  }
  if (due->len == 0) {
    if (sd_store_attachment_next_due (self->store, &next, NULL) && next != G_MAXINT64)
      self->timeout_id = g_timeout_add (CLAMP (next - now, 10, G_MAXINT32), on_timer, self);
    return;
  }
  self->busy = TRUE;
  transfer = g_new0 (Transfer, 1);
  transfer->self = g_object_ref (self);
  transfer->work = g_ptr_array_steal_index (due, 0);
  transfer->link = progress_link_new (transfer);
  sd_file_progress_init (&transfer->shown,
                         transfer->work->info->state == SD_ATTACHMENT_STATE_UPLOADING);
  if (transfer->work->info->state == SD_ATTACHMENT_STATE_UPLOADING)
    start_upload (self, transfer);
  else
    start_download (self, transfer);
}

#define STALE_TMP_S (60 * 60)

/* what a crash left in tmp/; a prepare of this run is younger than STALE_TMP_S */
static void
clear_stale_tmp (SdAttachments *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->tmp_dir, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename (self->tmp_dir, name, NULL);
    GStatBuf st;

    if (g_lstat (path, &st) == 0 && now - (gint64) st.st_mtime > STALE_TMP_S)
      (void) g_unlink (path);
  }
}

void
sd_attachments_start (SdAttachments *self)
{
  g_autoptr(GPtrArray) missing = NULL;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  self->running = TRUE;
  clear_stale_tmp (self);
  sd_attachments_sweep (self);
  process (self);
  /* avatars whose fetch a restart interrupted, or that failed before */
  missing = sd_store_avatars_missing (self->store, NULL);
  for (guint i = 0; missing != NULL && i < missing->len; i++)
    sd_attachments_fetch_avatar (self, g_ptr_array_index (missing, i));
}

void
sd_attachments_stop (SdAttachments *self)
{
  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  drop_waiting_avatars (self);
}

void
sd_attachments_set_auto_download_max (SdAttachments *self, guint max_bytes)
{
  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  self->auto_download_max = max_bytes;
}

void
sd_attachments_kick (SdAttachments *self)
{
  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  process (self);
}

void
sd_attachments_consider (SdAttachments *self, const SdMessage *message, gboolean from_contact)
{
  g_autoptr(GError) error = NULL;
  gboolean queued = FALSE;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));

  if (!from_contact || message->attachments == NULL)
    return;
  for (guint i = 0; i < message->attachments->len; i++) {
    SdAttachmentInfo *info = g_ptr_array_index (message->attachments, i);

    /* an unknown size is bounded by the download's own cap */
    if (info->state != SD_ATTACHMENT_STATE_PENDING || self->auto_download_max == 0 ||
        info->size > (gint64) self->auto_download_max)
      continue;
    if (!sd_store_attachment_set_state (self->store, message->local_id, info->index,
                                        SD_ATTACHMENT_STATE_DOWNLOADING, NULL, NULL, &error)) {
      g_warning ("could not queue a download: %s", error->message);
      return;
    }
    info->state = SD_ATTACHMENT_STATE_DOWNLOADING;
    queued = TRUE;
  }
  if (queued)
    process (self);
}

void
sd_attachments_conversation_approved (SdAttachments *self, const gchar *conversation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));

  if (self->auto_download_max == 0)
    return;
  ids = sd_store_attachments_start_pending (self->store, conversation,
                                            (gint64) self->auto_download_max, &error);
  if (ids == NULL) {
    g_warning ("could not queue the downloads of an approved conversation: %s", error->message);
    return;
  }
  for (guint i = 0; i < ids->len; i++)
    emit_changed (self, g_ptr_array_index (ids, i));
  if (ids->len > 0)
    process (self);
}

gboolean
sd_attachments_download (SdAttachments *self, const gchar *conversation,
                         const gchar *message_id, guint index,
                         GError **error)
{
  g_autoptr(SdAttachmentWork) work = NULL;

  g_return_val_if_fail (SD_IS_ATTACHMENTS (self), FALSE);

  work = sd_store_get_attachment (self->store, conversation, message_id, index, error);
  if (work == NULL)
    return FALSE;
  switch (work->info->state) {
  case SD_ATTACHMENT_STATE_AVAILABLE:
  case SD_ATTACHMENT_STATE_DOWNLOADING:
    return TRUE;
  case SD_ATTACHMENT_STATE_UPLOADING:
    /* as the XML says: ours, still going up, has nothing to download (OpenAttachment reads
     * it already) */
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_NOT_AVAILABLE,
                         "this attachment is ours and still uploading");
    return FALSE;
  case SD_ATTACHMENT_STATE_PENDING:
  case SD_ATTACHMENT_STATE_FAILED:
  case SD_ATTACHMENT_STATE_EXPIRED:
  default:
    break;
  }
  /* ours are here from the start; a sync copy from our other device has a pointer */
  if (work->pointer == NULL) {
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_NOT_AVAILABLE,
                         "this attachment cannot be downloaded");
    return FALSE;
  }
  if (!sd_store_attachment_set_state (self->store, work->local_id, index,
                                      SD_ATTACHMENT_STATE_DOWNLOADING, NULL, NULL, error))
    return FALSE;
  emit_changed (self, work->message_id);
  process (self);
  return TRUE;
}

gint
sd_attachments_open_file (const gchar *path, GError **error)
{
  /* never through a link: the file is ours, a link in its place is not */
  gint fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);

  if (fd < 0)
    g_set_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_NOT_AVAILABLE,
                 "the file is gone: %s", g_strerror (errno));
  return fd;
}

gint
sd_attachments_open (SdAttachments *self, const gchar *conversation, const gchar *message_id,
                     guint index, GError **error)
{
  g_autoptr(SdAttachmentWork) work = NULL;
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (SD_IS_ATTACHMENTS (self), -1);

  work = sd_store_get_attachment (self->store, conversation, message_id, index, error);
  if (work == NULL)
    return -1;
  /* ours is readable from the start; theirs once verified and decrypted */
  if (work->info->file == NULL || (work->info->state != SD_ATTACHMENT_STATE_AVAILABLE &&
                                   work->info->state != SD_ATTACHMENT_STATE_UPLOADING)) {
    g_set_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_NOT_AVAILABLE,
                 "the attachment is %s, not available",
                 sd_attachment_state_to_string (work->info->state));
    return -1;
  }
  path = g_build_filename (self->dir, work->info->file, NULL);
  return sd_attachments_open_file (path, error);
}

static void
on_image_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAttachments *self = SD_ATTACHMENTS (source);
  GError *error = NULL;
  GArray *prepared = sd_attachments_prepare_finish (self, result, &error);
  SdOutgoingAttachment *a;
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  g_autoptr(GBytes) image = NULL;
  gsize len = 0;
  gboolean ok;

  if (prepared == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* a small file just written by the worker, still under tmp/ */
  a = &g_array_index (prepared, SdOutgoingAttachment, 0);
  path = g_build_filename (self->tmp_dir, a->file, NULL);
  ok = g_str_has_prefix (a->content_type, "image/") &&
       g_file_get_contents (path, &contents, &len, NULL);
  sd_attachments_prepared_free (self, prepared, TRUE);
  if (!ok) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "an avatar is an image");
    return;
  }
  image = g_bytes_new_take (g_steal_pointer (&contents), len);
  /* what our contacts and other devices accept (sd_attachments_check_avatar) */
  if (!sd_attachments_check_avatar (image, &error)) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                             error->message);
    g_error_free (error);
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&image), (GDestroyNotify) g_bytes_unref);
}

void
sd_attachments_read_image_async (SdAttachments *self, gint fd, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  SdAttachmentSource source = { fd, NULL, NULL, NULL, FALSE };
  GTask *task;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_attachments_read_image_async);
  /* read and stripped in the worker, as an attachment is */
  sd_attachments_prepare_async (self, &source, 1, cancellable, on_image_prepared, task);
}

GBytes *
sd_attachments_read_image_finish (SdAttachments *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_blob_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autofree gchar *url = sd_file_server_upload_finish_full (SD_FILE_SERVER (source), result,
                                                             g_task_get_task_data (task),
                                                             &error);
  const gchar *key = sd_file_server_get_pointer_key (SD_FILE_SERVER (source));

  if (url == NULL)
    g_task_return_error (task, error);
  else if (key != NULL)
    /* as an attachment's: a custom file server is named by its key */
    g_task_return_pointer (task, g_strdup_printf ("%s#p=%s", url, key), g_free);
  else
    g_task_return_pointer (task, g_steal_pointer (&url), g_free);
}

void
sd_attachments_upload_async (SdAttachments *self, GBytes *blob, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_attachments_upload_async);
  /* the file's expiry, from the server's reply */
  g_task_set_task_data (task, g_new0 (gint64, 1), g_free);
  sd_file_server_upload_async (self->file_server, blob, cancellable, on_blob_uploaded, task);
}

gchar *
sd_attachments_upload_finish (SdAttachments *self, GAsyncResult *result, GError **error)
{
  return sd_attachments_upload_finish_full (self, result, NULL, error);
}

gchar *
sd_attachments_upload_finish_full (SdAttachments *self, GAsyncResult *result,
                                   gint64 *out_expires, GError **error)
{
  gchar *url;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  url = g_task_propagate_pointer (G_TASK (result), error);
  if (out_expires != NULL)
    *out_expires = url != NULL ? *(gint64 *) g_task_get_task_data (G_TASK (result)) : 0;
  return url;
}

static void
on_extended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gint64 expires = sd_file_server_extend_finish (SD_FILE_SERVER (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, expires);
}

void
sd_attachments_extend_async (SdAttachments *self, const gchar *url, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_attachments_extend_async);
  sd_file_server_extend_async (self->file_server, url, cancellable, on_extended, task);
}

gint64
sd_attachments_extend_finish (SdAttachments *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (gint64) g_task_propagate_int (G_TASK (result), error);
}

/* ---- avatars: one download path for contacts' and our own ---- */

/* what a picture may be before it is kept and handed to the notification server: an image
 * of a common type, by its bytes, of bounded size in bytes and pixels */
#define AVATAR_STORED_MAX (2 * 1000 * 1000)
#define AVATAR_DIMENSION_MAX 4096
/* its blob in either scheme, with padding, IV and tags */
#define AVATAR_BLOB_MAX (AVATAR_STORED_MAX + AVATAR_STORED_MAX / 16 + 65536)
/* contacts' pictures fetched at once (a restore names every contact's); the rest wait */
#define AVATAR_FETCHES_MAX 2
#define AVATAR_ATTEMPTS 5

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint32
le16 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8;
}

/* the size in pixels of a PNG, GIF, JPEG or WebP, from its header; FALSE for anything else */
static gboolean
image_dimensions (const guint8 *d, gsize len, guint32 *width, guint32 *height)
{
  if (len >= 24 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp (d + 12, "IHDR", 4) == 0) {
    *width = be32 (d + 16);
    *height = be32 (d + 20);
    return TRUE;
  }
  if (len >= 10 && (memcmp (d, "GIF87a", 6) == 0 || memcmp (d, "GIF89a", 6) == 0)) {
    *width = le16 (d + 6);
    *height = le16 (d + 8);
    return TRUE;
  }
  if (len >= 30 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0) {
    if (memcmp (d + 12, "VP8 ", 4) == 0 && d[23] == 0x9d && d[24] == 0x01 && d[25] == 0x2a) {
      *width = le16 (d + 26) & 0x3fff;
      *height = le16 (d + 28) & 0x3fff;
      return TRUE;
    }
    if (memcmp (d + 12, "VP8L", 4) == 0 && d[20] == 0x2f) {
      guint32 bits = (guint32) d[21] | (guint32) d[22] << 8 | (guint32) d[23] << 16 |
                     (guint32) d[24] << 24;

      *width = (bits & 0x3fff) + 1;
      *height = ((bits >> 14) & 0x3fff) + 1;
      return TRUE;
    }
    if (memcmp (d + 12, "VP8X", 4) == 0) {
      *width = ((guint32) d[24] | (guint32) d[25] << 8 | (guint32) d[26] << 16) + 1;
      *height = ((guint32) d[27] | (guint32) d[28] << 8 | (guint32) d[29] << 16) + 1;
      return TRUE;
    }
    return FALSE;
  }
  if (len >= 4 && d[0] == 0xff && d[1] == 0xd8) {
    /* the segments up to the first start-of-frame */
    gsize i = 2;

    while (i + 4 <= len) {
      guint8 marker;
      gsize seg;

      if (d[i] != 0xff)
        return FALSE;
      marker = d[i + 1];
      if (marker == 0xff) {
        i++;
        continue;
      }
      seg = (gsize) d[i + 2] << 8 | d[i + 3];
      if (seg < 2)
        return FALSE;
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
          marker != 0xcc) {
        if (i + 9 > len)
          return FALSE;
        *height = (guint32) d[i + 5] << 8 | d[i + 6];
        *width = (guint32) d[i + 7] << 8 | d[i + 8];
        return TRUE;
      }
      i += 2 + seg;
    }
  }
  return FALSE;
}

gboolean
sd_attachments_check_avatar (GBytes *plain, GError **error)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (plain, &len);
  guint32 width = 0, height = 0;

  if (len > AVATAR_STORED_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "a profile picture has at most %d bytes", AVATAR_STORED_MAX);
    return FALSE;
  }
  if (!image_dimensions (d, len, &width, &height)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a profile picture is a PNG, JPEG, GIF or WebP image");
    return FALSE;
  }
  if (width == 0 || height == 0 || width > AVATAR_DIMENSION_MAX ||
      height > AVATAR_DIMENSION_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "a profile picture has at most %d × %d pixels", AVATAR_DIMENSION_MAX,
                 AVATAR_DIMENSION_MAX);
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  GBytes *key;                  /* (owned) */
  SdAttachmentPointer *pointer; /* (owned) */
} AvatarDownload;

static void
avatar_download_free (AvatarDownload *download)
{
  g_bytes_unref (download->key);
  g_clear_pointer (&download->pointer, sd_attachment_pointer_free);
  g_free (download);
}

static void
on_avatar_blob (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AvatarDownload *download = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) blob = sd_file_server_download_finish (SD_FILE_SERVER (source), result,
                                                           &error);
  GBytes *plain;
  const guint8 *key;
  gsize key_len;

  if (blob == NULL) {
    g_task_return_error (task, error);
    return;
  }
  key = g_bytes_get_data (download->key, &key_len);
  /* legacy (AES-GCM with the profile key) as desktop sends it; else the deterministic one.
   * Both authenticate: nothing unverified is used */
  plain = sd_avatar_legacy_decrypt (key, key_len, g_bytes_get_data (blob, NULL),
                                    g_bytes_get_size (blob), NULL);
  if (plain == NULL)
    plain = sd_avatar_det_decrypt (key, key_len, g_bytes_get_data (blob, NULL),
                                   g_bytes_get_size (blob), &error);
  if (plain == NULL || !sd_attachments_check_avatar (plain, &error)) {
    g_clear_pointer (&plain, g_bytes_unref);
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, plain, (GDestroyNotify) g_bytes_unref);
}

void
sd_attachments_download_avatar_async (SdAttachments *self, const gchar *url, GBytes *key,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  SessionProtos__AttachmentPointer pb = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  AvatarDownload *download;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  g_task_set_source_tag (task, sd_attachments_download_avatar_async);
  download = g_new0 (AvatarDownload, 1);
  download->key = g_bytes_ref (key);
  g_task_set_task_data (task, download, (GDestroyNotify) avatar_download_free);
  /* the pointer rules (URL, `p=` fragment, size bounds) are the attachments' */
  pb.url = (gchar *) url;
  pb.has_key = TRUE;
  pb.key.data = (guint8 *) g_bytes_get_data (download->key, &pb.key.len);
  download->pointer = sd_attachment_pointer_from_pb (&pb, &error);
  if (download->pointer == NULL) {
    g_task_return_error (task, error);
    return;
  }
  sd_file_server_download_async (self->file_server, download->pointer, AVATAR_BLOB_MAX, NULL,
                                 NULL, cancellable != NULL ? cancellable : self->cancellable,
                                 on_avatar_blob, g_steal_pointer (&task));
}

GBytes *
sd_attachments_download_avatar_finish (SdAttachments *self, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- contacts' avatars: a FIFO, AVATAR_FETCHES_MAX at a time, retried with backoff ---- */

/* one conversation whose picture is queued, fetched, or waiting to be tried again */
typedef struct {
  SdAttachments *self;
  gchar *conversation;          /* (owned) */
  gchar *url;                   /* (owned) (nullable) as stored, while fetched */
  guint attempts;
  guint retry_id;
  gboolean in_flight;
} AvatarFetch;

static void
avatar_fetch_free (AvatarFetch *fetch)
{
  g_clear_handle_id (&fetch->retry_id, g_source_remove);
  g_free (fetch->conversation);
  g_free (fetch->url);
  g_free (fetch);
}

static void pump_avatars (SdAttachments *self);

static void
avatar_done (SdAttachments *self, AvatarFetch *fetch)
{
  /* frees it */
  g_hash_table_remove (self->avatar_fetches, fetch->conversation);
}

static gboolean
on_avatar_retry (gpointer user_data)
{
  AvatarFetch *fetch = user_data;
  SdAttachments *self = fetch->self;

  fetch->retry_id = 0;
  g_queue_push_tail (&self->avatar_queue, fetch);
  pump_avatars (self);
  return G_SOURCE_REMOVE;
}

/* @user_data: the fetch, which only this removes from the table while it is in flight */
static void
on_avatar_downloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AvatarFetch *fetch = user_data;
  SdAttachments *self = SD_ATTACHMENTS (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_attachments_download_avatar_finish (self, result, &error);
  g_autofree gchar *file = NULL;

  self->avatars_in_flight--;
  fetch->in_flight = FALSE;
  if (plain == NULL) {
    gboolean transient = !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
                         !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
                         !g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED) &&
                         error->domain != SD_PROTOCOL_ERROR;

    g_debug ("a contact's avatar could not be fetched: %s", error->message);
    if (transient && self->running && ++fetch->attempts < AVATAR_ATTEMPTS) {
      fetch->retry_id = g_timeout_add (
        (guint) sd_backoff_delay (RETRY_BASE_MS, RETRY_MAX_MS, fetch->attempts),
        on_avatar_retry, fetch);
    } else {
      avatar_done (self, fetch);
    }
    pump_avatars (self);
    return;
  }
  if (!write_plaintext (self, plain, &file, &error) ||
      !sd_store_set_avatar_file (self->store, fetch->conversation, fetch->url, file, &error)) {
    g_debug ("a contact's avatar could not be kept: %s", error->message);
    if (file != NULL)
      sd_attachments_sweep (self); /* written, not recorded */
  } else {
    g_signal_emit (self, signals[SIGNAL_AVATAR_CHANGED], 0, fetch->conversation);
    /* the picture it replaces, or this one when the row changed meanwhile */
    sd_attachments_sweep (self);
  }
  avatar_done (self, fetch);
  pump_avatars (self);
}

static void
start_avatar (SdAttachments *self, AvatarFetch *fetch)
{
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;

  /* what the store says now: the picture may have changed or been fetched while queued */
  if (!sd_store_get_avatar (self->store, fetch->conversation, &url, &key, &file, NULL) ||
      file != NULL || url == NULL) {
    avatar_done (self, fetch);
    return;
  }
  g_free (fetch->url);
  fetch->url = g_steal_pointer (&url);
  self->avatars_in_flight++;
  fetch->in_flight = TRUE;
  sd_attachments_download_avatar_async (self, fetch->url, key, self->cancellable,
                                        on_avatar_downloaded, fetch);
}

static gboolean
avatar_waiting (gpointer key, gpointer value, gpointer user_data)
{
  return !((AvatarFetch *) value)->in_flight;
}

/* stopping: what waits is dropped (the next start asks again for every missing picture);
 * what is in flight ends with its cancelled request */
static void
drop_waiting_avatars (SdAttachments *self)
{
  g_queue_clear (&self->avatar_queue);
  if (self->avatar_fetches != NULL)
    g_hash_table_foreach_remove (self->avatar_fetches, avatar_waiting, NULL);
}

static void
pump_avatars (SdAttachments *self)
{
  AvatarFetch *fetch;

  while (self->running && self->avatars_in_flight < AVATAR_FETCHES_MAX &&
         (fetch = g_queue_pop_head (&self->avatar_queue)) != NULL)
    start_avatar (self, fetch);
}

void
sd_attachments_fetch_avatar (SdAttachments *self, const gchar *conversation)
{
  AvatarFetch *fetch;

  g_return_if_fail (SD_IS_ATTACHMENTS (self));

  /* queued, fetched or waiting for a retry: that one reads the store when it starts */
  if (!self->running || g_hash_table_contains (self->avatar_fetches, conversation))
    return;
  fetch = g_new0 (AvatarFetch, 1);
  fetch->self = self;
  fetch->conversation = g_strdup (conversation);
  g_hash_table_insert (self->avatar_fetches, fetch->conversation, fetch);
  g_queue_push_tail (&self->avatar_queue, fetch);
  pump_avatars (self);
}
gint
sd_attachments_open_avatar (SdAttachments *self, const gchar *conversation, GError **error)
{
  g_autofree gchar *url = NULL, *file = NULL, *path = NULL;
  g_autoptr(GBytes) key = NULL;

  g_return_val_if_fail (SD_IS_ATTACHMENTS (self), -1);

  if (!sd_store_get_avatar (self->store, conversation, &url, &key, &file, error))
    return -1;
  if (file == NULL) {
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_NOT_AVAILABLE,
                         "the avatar is not fetched (yet)");
    return -1;
  }
  path = g_build_filename (self->dir, file, NULL);
  return sd_attachments_open_file (path, error);
}

static gboolean
on_sweep (gpointer user_data)
{
  SdAttachments *self = user_data;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *name;
  guint removed = 0;

  self->sweep_id = 0;
  files = sd_store_attachment_files (self->store, &error);
  if (files == NULL) {
    g_warning ("could not list the attachment files: %s", error->message);
    return G_SOURCE_REMOVE;
  }
  dir = g_dir_open (self->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    if (!g_hash_table_contains (files, name) && !g_str_equal (name, "tmp")) {
      g_autofree gchar *path = g_build_filename (self->dir, name, NULL);

      if (g_unlink (path) == 0)
        removed++;
    }
  }
  if (removed > 0)
    g_debug ("removed %u attachment files of removed messages", removed);
  return G_SOURCE_REMOVE;
}

void
sd_attachments_sweep (SdAttachments *self)
{
  g_return_if_fail (SD_IS_ATTACHMENTS (self));
  /* after the current main-loop turn: what removed the messages has committed by then */
  if (self->sweep_id == 0)
    self->sweep_id = g_idle_add (on_sweep, self);
}

/* ---- GObject ---- */

static void
sd_attachments_dispose (GObject *object)
{
  SdAttachments *self = SD_ATTACHMENTS (object);

  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  drop_waiting_avatars (self);
  G_OBJECT_CLASS (sd_attachments_parent_class)->dispose (object);
}

static void
sd_attachments_finalize (GObject *object)
{
  SdAttachments *self = SD_ATTACHMENTS (object);

  g_clear_object (&self->store);
  g_clear_object (&self->file_server);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->avatar_fetches, g_hash_table_unref);
  g_queue_clear_full (&self->prepare_queue, g_object_unref);
  g_free (self->dir);
  g_free (self->tmp_dir);
  G_OBJECT_CLASS (sd_attachments_parent_class)->finalize (object);
}

static void
sd_attachments_class_init (SdAttachmentsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_attachments_dispose;
  object_class->finalize = sd_attachments_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_AVATAR_CHANGED] = g_signal_new ("avatar-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sd_attachments_init (SdAttachments *self)
{
  self->cancellable = g_cancellable_new ();
  self->auto_download_max = SD_ATTACHMENTS_AUTO_DOWNLOAD_MAX;
  self->avatar_fetches = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                (GDestroyNotify) avatar_fetch_free);
  g_queue_init (&self->avatar_queue);
  g_queue_init (&self->prepare_queue);
  self->uploading_max = SD_ATTACHMENTS_UPLOADING_MAX;
}

SdAttachments *
sd_attachments_new (SdStore *store, SdFileServer *file_server, const gchar *data_dir)
{
  SdAttachments *self;

  g_return_val_if_fail (SD_IS_STORE (store), NULL);
  g_return_val_if_fail (SD_IS_FILE_SERVER (file_server), NULL);

  self = g_object_new (SD_TYPE_ATTACHMENTS, NULL);
  self->store = g_object_ref (store);
  self->file_server = g_object_ref (file_server);
  self->dir = g_build_filename (data_dir, "attachments", NULL);
  self->tmp_dir = g_build_filename (self->dir, "tmp", NULL);
  if (g_mkdir_with_parents (self->tmp_dir, 0700) != 0)
    g_warning ("cannot create %s: %s", self->tmp_dir, g_strerror (errno));
  return self;
}
