/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdAttachments on a real store, with a file server nothing answers for: what happens to the
 * files before any transfer (preparing, the sweep, refused images) */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "sd-attachments.h"
#include "sd-backoff.h"
#include "sd-daemon-test-util.h"

typedef struct {
  SdIdentity me;
  SdTestStore test_store;
  SdTestNet net;
  SdFileServer *file_server;
  SdAttachments *attachments;
  gchar *dir; /* <data dir>/attachments */
} Fixture;

static gchar *
answer_nothing (SdFakeTransport *transport, guint node, const gchar *rpc, guint *status,
                gpointer user_data)
{
  *status = 503;
  return g_strdup ("");
}

static void
setup (Fixture *f, gconstpointer data)
{
  sd_test_identity_from_byte (&f->me, 0x11);
  sd_test_store_init (&f->test_store, &f->me);
  sd_test_net_init (&f->net, answer_nothing, f);
  f->file_server = sd_file_server_new (f->net.network, NULL, NULL, NULL);
  g_assert_nonnull (f->file_server);
  f->attachments = sd_attachments_new (f->test_store.store, f->file_server, f->test_store.dir);
  f->dir = g_build_filename (f->test_store.dir, "attachments", NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  sd_attachments_stop (f->attachments);
  g_clear_object (&f->attachments);
  g_clear_object (&f->file_server);
  sd_test_net_clear (&f->net);
  sd_test_store_clear (&f->test_store);
  g_free (f->dir);
}

/* a regular file with @contents, opened read-only and already unlinked */
static gint
fd_with (const Fixture *f, const void *contents, gsize len)
{
  g_autofree gchar *path = g_build_filename (f->test_store.dir, "source", NULL);
  gint fd;

  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_unlink (path);
  return fd;
}

/* runs every pending idle, the sweep among them */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static guint
count_files (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* a prepared file has no row yet: a sweep in that window (any message removed elsewhere)
 * must leave it, and it is where the sweep sees it once kept */
static void
test_sweep_spares_prepared (Fixture *f, gconstpointer data)
{
  static const gchar text[] = "a plain text attachment";
  SdAttachmentSource source = { fd_with (f, text, sizeof text - 1), "note.txt", NULL, NULL, FALSE };
  g_autoptr(GError) error = NULL;
  GArray *prepared = NULL;
  SdOutgoingAttachment *a;
  g_autofree gchar *kept = NULL, *waiting = NULL;

  sd_attachments_start (f->attachments);
  g_assert_true (sd_attachments_prepare (f->attachments, &source, 1, &prepared, &error));
  g_assert_no_error (error);
  close (source.fd);
  a = &g_array_index (prepared, SdOutgoingAttachment, 0);
  g_assert_cmpint (a->size, ==, sizeof text - 1);

  sd_attachments_sweep (f->attachments);
  drain ();
  /* wherever the prepare put it, the sweep left it */
  waiting = g_build_filename (f->dir, "tmp", a->file, NULL);
  kept = g_build_filename (f->dir, a->file, NULL);
  g_assert_true (g_file_test (waiting, G_FILE_TEST_IS_REGULAR) ||
                 g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  g_assert_true (sd_attachments_prepared_keep (f->attachments, prepared, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));

  /* no row names it: gone with the next sweep */
  sd_attachments_sweep (f->attachments);
  drain ();
  g_assert_false (g_file_test (kept, G_FILE_TEST_EXISTS));
  sd_attachments_prepared_free (f->attachments, prepared, TRUE);
}

/* a file that is not an image is copied in pieces, byte for byte and 0600, its type guessed
 * from its first bytes; one over the limit is refused before anything is read */
static void
test_prepare_copies (Fixture *f, gconstpointer data)
{
  gsize len = 300 * 1000 + 7;
  g_autofree guint8 *contents = g_malloc (len);
  g_autofree gchar *path = NULL, *kept = NULL;
  g_autoptr(GError) error = NULL;
  SdAttachmentSource source = { -1, NULL, NULL, NULL, FALSE };
  GArray *prepared = NULL;
  SdOutgoingAttachment *a;
  GStatBuf st;
  gsize kept_len = 0;

  randombytes_buf (contents, len);
  memcpy (contents, "%PDF-1.4\n", 9);
  source.fd = fd_with (f, contents, len);
  g_assert_true (sd_attachments_prepare (f->attachments, &source, 1, &prepared, &error));
  g_assert_no_error (error);
  close (source.fd);
  a = &g_array_index (prepared, SdOutgoingAttachment, 0);
  g_assert_cmpint (a->size, ==, (gint64) len);
  g_assert_cmpstr (a->content_type, ==, "application/pdf");
  path = g_build_filename (f->dir, "tmp", a->file, NULL);
  g_assert_true (g_file_get_contents (path, (gchar **) &kept, &kept_len, NULL));
  g_assert_cmpmem (kept, kept_len, contents, len);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  sd_attachments_prepared_free (f->attachments, prepared, TRUE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* a sparse file one byte over the limit */
  {
    g_autofree gchar *big = g_build_filename (f->test_store.dir, "big", NULL);
    gint fd = g_open (big, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (ftruncate (fd, SD_ATTACHMENTS_MAX_SIZE + 1), ==, 0);
    source.fd = fd;
    prepared = NULL;
    g_assert_false (sd_attachments_prepare (f->attachments, &source, 1, &prepared, &error));
    g_assert_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_TOO_LARGE);
    g_assert_null (prepared);
    close (fd);
    g_unlink (big);
  }
  {
    g_autofree gchar *tmp = g_build_filename (f->dir, "tmp", NULL);

    g_assert_cmpuint (count_files (tmp), ==, 0);
  }
}

/* a prepare refused leaves nothing behind */
static void
test_refused_leaves_nothing (Fixture *f, gconstpointer data)
{
  SdAttachmentSource sources[2] = {
    { fd_with (f, "x", 1), "one.txt", NULL, NULL, FALSE },
    { -1, "two.txt", NULL, NULL, FALSE },
  };
  g_autofree gchar *tmp = g_build_filename (f->dir, "tmp", NULL);
  g_autoptr(GError) error = NULL;
  GArray *prepared = NULL;

  g_assert_false (sd_attachments_prepare (f->attachments, sources, 2, &prepared, &error));
  g_assert_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UNREADABLE);
  close (sources[0].fd);
  g_assert_cmpuint (count_files (tmp), ==, 0);
}

/* an image type exiv2 cannot open is refused, not sent with its metadata; so is a PNG whose
 * second chunk claims 2 GiB (the helper's container walk: docs/security.md) */
static void
test_unknown_image_refused (Fixture *f, gconstpointer data)
{
  static const gchar junk[] = "this is no PNG, whatever its type says";
  static const guint8 long_chunk[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0, 0xfd, 0xd4, 0x9a, 0x73,
    0x7f, 0xff, 0xff, 0xff, 't', 'E', 'X', 't', 'C', 'o', 'm', 'm', 'e', 'n', 't', 0,
  };
  struct { const void *bytes; gsize len; } inputs[] = {
    { junk, sizeof junk - 1 }, { long_chunk, sizeof long_chunk },
  };
  g_autofree gchar *tmp = g_build_filename (f->dir, "tmp", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++) {
    SdAttachmentSource source = { fd_with (f, inputs[i].bytes, inputs[i].len), "x.png",
                                  "image/png", NULL, FALSE };
    g_autoptr(GError) error = NULL;
    GArray *prepared = NULL;

    g_assert_false (sd_attachments_prepare (f->attachments, &source, 1, &prepared, &error));
    g_assert_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_IMAGE_UNSUPPORTED);
    close (source.fd);
    g_assert_cmpuint (count_files (tmp), ==, 0);
  }
}

static void
on_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GPtrArray *results = user_data;
  g_autoptr(GError) error = NULL;
  GArray *prepared = sd_attachments_prepare_finish (SD_ATTACHMENTS (source), result, &error);

  if (prepared == NULL)
    g_ptr_array_add (results, g_steal_pointer (&error));
  else
    g_ptr_array_add (results, prepared);
}

typedef struct {
  gboolean done;
  gchar *file;
  GError *error;
} Stored;

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stored *stored = user_data;

  sd_attachments_store_file_finish (SD_ATTACHMENTS (source), result, &stored->file,
                                    &stored->error);
  stored->done = TRUE;
}

/* a file kept as it came (a room file or image): written by a worker, so the caller hears of
 * it only from the main loop; then in place, 0600, byte for byte, nothing left in tmp/. A
 * cancelled one leaves nothing anywhere */
static void
test_store_file (Fixture *f, gconstpointer data)
{
  static const gchar text[] = "a room file, as it came";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree gchar *tmp = g_build_filename (f->dir, "tmp", NULL);
  g_autofree gchar *path = NULL, *contents = NULL;
  Stored stored = { 0 }, cancelled = { 0 };
  GStatBuf st;
  gsize len = 0;

  sd_attachments_start (f->attachments);
  sd_attachments_store_file_async (f->attachments, bytes, NULL, on_stored, &stored);
  g_assert_false (stored.done);
  SD_TEST_WAIT_UNTIL (stored.done);
  g_assert_no_error (stored.error);
  path = g_build_filename (f->dir, stored.file, NULL);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, text, sizeof text - 1);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (count_files (tmp), ==, 0);

  g_cancellable_cancel (cancellable);
  sd_attachments_store_file_async (f->attachments, bytes, cancellable, on_stored, &cancelled);
  SD_TEST_WAIT_UNTIL (cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (cancelled.file);
  /* the worker's half-kept file, if it got that far, goes with the task */
  SD_TEST_WAIT_UNTIL (count_files (tmp) == 0);
  g_assert_cmpuint (count_files (f->dir), ==, 2); /* the first file, and tmp/ */
  g_clear_error (&cancelled.error);
  g_free (stored.file);
}

/* more prepares than workers: the rest wait and all finish */
static void
test_prepares_queued (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new ();
  const guint n = SD_ATTACHMENTS_PREPARES_MAX * 2 + 1;

  for (guint i = 0; i < n; i++) {
    SdAttachmentSource source = { fd_with (f, "queued", 6), "q.txt", NULL, NULL, FALSE };

    sd_attachments_prepare_async (f->attachments, &source, 1, NULL, on_prepared, results);
    close (source.fd);
  }
  SD_TEST_WAIT_UNTIL (results->len == n);
  for (guint i = 0; i < n; i++) {
    GArray *prepared = g_ptr_array_index (results, i);

    g_assert_cmpuint (prepared->len, ==, 1);
    sd_attachments_prepared_free (f->attachments, prepared, TRUE);
  }
}

/* the bytes waiting for upload are bounded: past the cap a send is refused before anything
 * is read */
static void
test_upload_cap (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new ();
  SdAttachmentSource source = { fd_with (f, "twenty bytes of data", 20), "c.txt", NULL, NULL,
                                FALSE };
  GError *error;

  sd_attachments_set_uploading_max (f->attachments, 19);
  sd_attachments_prepare_async (f->attachments, &source, 1, NULL, on_prepared, results);
  SD_TEST_WAIT_UNTIL (results->len == 1);
  error = g_ptr_array_index (results, 0);
  g_assert_error (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_UPLOADS_FULL);
  g_error_free (error);

  sd_attachments_set_uploading_max (f->attachments, 20);
  sd_attachments_prepare_async (f->attachments, &source, 1, NULL, on_prepared, results);
  SD_TEST_WAIT_UNTIL (results->len == 2);
  sd_attachments_prepared_free (f->attachments, g_ptr_array_index (results, 1), TRUE);
  close (source.fd);
}

/* the one backoff rule of sender, attachments, avatars and config pushes */
static void
test_backoff (void)
{
  g_assert_cmpint (sd_backoff_delay (1000, 300000, 0), ==, 1000);
  g_assert_cmpint (sd_backoff_delay (1000, 300000, 1), ==, 1000);
  g_assert_cmpint (sd_backoff_delay (1000, 300000, 2), ==, 2000);
  g_assert_cmpint (sd_backoff_delay (1000, 300000, 9), ==, 256000);
  g_assert_cmpint (sd_backoff_delay (1000, 300000, 10), ==, 300000);
  g_assert_cmpint (sd_backoff_delay (1000, 300000, G_MAXUINT), ==, 300000);
  g_assert_cmpint (sd_backoff_delay (2000, 60000, 1), ==, 2000);
}

static GBytes *
png_header (guint32 width, guint32 height, gsize total)
{
  guint8 *d = g_malloc0 (MAX (total, 24));

  memcpy (d, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (guint i = 0; i < 4; i++) {
    d[16 + i] = (guint8) (width >> (24 - 8 * i));
    d[20 + i] = (guint8) (height >> (24 - 8 * i));
  }
  return g_bytes_new_take (d, MAX (total, 24));
}

/* a contact's picture is kept (and shown by the notification server) only when it is an
 * image of bounded size */
static void
test_avatar_check (void)
{
  /* SOI, an APP0 segment, SOF0 of 640 × 480 */
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0,
                                 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03 };
  static const guint8 gif[] = "GIF89a\x10\x00\x20\x00";
  g_autoptr(GBytes) ok_png = png_header (256, 256, 100);
  g_autoptr(GBytes) ok_jpeg = g_bytes_new_static (jpeg, sizeof jpeg);
  g_autoptr(GBytes) ok_gif = g_bytes_new_static (gif, sizeof gif - 1);
  g_autoptr(GBytes) wide = png_header (5000, 10, 100);
  g_autoptr(GBytes) empty = png_header (0, 10, 100);
  g_autoptr(GBytes) heavy = png_header (100, 100, 2000001);
  g_autoptr(GBytes) text = g_bytes_new_static ("<svg xmlns=...>", 15);
  g_autoptr(GBytes) cut_jpeg = g_bytes_new_static (jpeg, 12);
  GError *error = NULL;

  g_assert_true (sd_attachments_check_avatar (ok_png, &error));
  g_assert_true (sd_attachments_check_avatar (ok_jpeg, &error));
  g_assert_true (sd_attachments_check_avatar (ok_gif, &error));
  g_assert_no_error (error);
  for (GBytes **bad = (GBytes *[]) { wide, empty, heavy, text, cut_jpeg, NULL }; *bad != NULL;
       bad++) {
    g_assert_false (sd_attachments_check_avatar (*bad, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
}

/* ---- the metadata helper itself (docs/security.md) ---- */

/* a JPEG of 64 x 48 pixels whose APP1 Exif holds a GPS IFD (latitude N 52° 31' 12"): exiv2
 * reads markers and frame header only, so the scan data can be a few bytes */
static const guint8 gps_app1[] = {
  0xff, 0xe1, 0x00, 0x64, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0x49, 0x49, 0x2a, 0x00, 0x08,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x25, 0x88, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00,
  0x00, 0x02, 0x02, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x4e, 0x00,
  0x00, 0x00, 0x02, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
};
static const guint8 jpeg_frame[] = {
  /* SOF0: 8 bits, 48 rows, 64 columns, 3 components */
  0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x30, 0x00, 0x40, 0x03, 0x01, 0x11, 0x00, 0x02, 0x11,
  0x00, 0x03, 0x11, 0x00,
  /* SOS, a little scan data, EOI */
  0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0x12,
  0x34, 0x56, 0x78, 0xff, 0xd9,
};

static gboolean
contains (const guint8 *p, gsize len, const gchar *needle, gsize n)
{
  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (p + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static GBytes *
gps_jpeg (void)
{
  GByteArray *jpeg = g_byte_array_new ();

  g_byte_array_append (jpeg, (const guint8 *) "\xff\xd8", 2);
  g_byte_array_append (jpeg, gps_app1, sizeof gps_app1);
  g_byte_array_append (jpeg, jpeg_frame, sizeof jpeg_frame);
  return g_byte_array_free_to_bytes (jpeg);
}

typedef struct {
  GBytes *out;
  gint status; /* exit status, or -signal */
  gboolean done;
} HelperRun;

static void
on_helper_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HelperRun *run = user_data;
  GSubprocess *helper = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_communicate_finish (helper, result, &run->out, NULL, &error));
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (helper) ? g_subprocess_get_exit_status (helper)
                                                    : -g_subprocess_get_term_sig (helper);
  run->done = TRUE;
}

/* @n helpers at once on @input, as sessiond starts them (empty environment, cwd /), with an
 * fd of ours left open in each (as a careless parent would leave one): it still works */
static void
run_helpers (GBytes *input, HelperRun *runs, guint n)
{
  const gchar *helper_path = g_getenv ("SESSIOND_STRIP_METADATA");
  const gchar *argv[] = { helper_path, NULL };
  const gchar *const empty[] = { NULL };
  g_autoptr(GPtrArray) helpers = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_nonnull (helper_path);
  for (guint i = 0; i < n; i++) {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_autoptr(GError) error = NULL;
    GSubprocess *helper;

    g_subprocess_launcher_set_environ (launcher, (gchar **) empty);
    g_subprocess_launcher_set_cwd (launcher, "/");
    g_subprocess_launcher_take_fd (launcher, g_open ("/dev/null", O_RDONLY, 0), 9);
    helper = g_subprocess_launcher_spawnv (launcher, argv, &error);
    g_assert_no_error (error);
    g_ptr_array_add (helpers, helper);
    runs[i] = (HelperRun) { NULL, -1000, FALSE };
    g_subprocess_communicate_async (helper, input, NULL, on_helper_done, &runs[i]);
  }
  for (guint i = 0; i < n; i++)
    while (!runs[i].done)
      g_main_context_iteration (NULL, TRUE);
}

static void
test_strip_helper (void)
{
  g_autoptr(GBytes) jpeg = gps_jpeg ();
  g_autoptr(GBytes) garbage = NULL;
  g_autofree guint8 *big = g_malloc0 (10000001);
  g_autoptr(GBytes) too_big = NULL;
  HelperRun runs[6];
  HelperRun one;

  /* several at once (two prepares, avatars) give the same stripped picture */
  run_helpers (jpeg, runs, G_N_ELEMENTS (runs));
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++) {
    const guint8 *p;
    gsize len;

    g_assert_cmpint (runs[i].status, ==, 0);
    p = g_bytes_get_data (runs[i].out, &len);
    g_assert_cmpuint (len, >, 8 + 4);
    /* 64 x 48, then a JPEG without its Exif segment */
    g_assert_cmpmem (p, 8, "\x40\0\0\0\x30\0\0\0", 8);
    g_assert_cmpmem (p + 8, 2, "\xff\xd8", 2);
    g_assert_false (contains (p, len, "Exif", 4));
    g_assert_false (contains (p, len, "\x25\x88", 2));
    g_assert_true (g_bytes_equal (runs[i].out, runs[0].out));
  }
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    g_bytes_unref (runs[i].out);

  /* not an image: refused as one exiv2 cannot open (2), not as a failure */
  garbage = g_bytes_new_static ("no image at all, just words", 27);
  run_helpers (garbage, &one, 1);
  g_assert_cmpint (one.status, ==, 2);
  g_assert_cmpuint (g_bytes_get_size (one.out), ==, 0);
  g_bytes_unref (one.out);

  /* one byte over the cap: it stops reading and fails (1); exiv2 never sees it */
  too_big = g_bytes_new_take (g_steal_pointer (&big), 10000001);
  run_helpers (too_big, &one, 1);
  g_assert_cmpint (one.status, ==, 1);
  g_bytes_unref (one.out);
}

/* a command's exit status (-1: it could not start), @input on its stdin, its stdout kept */
static gint
run_command (const gchar *const *argv, GBytes *input, GBytes **out)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                    G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  if (proc == NULL || !g_subprocess_communicate (proc, input, NULL, out, NULL, &error))
    return -1;
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* the helper needs no writable /tmp (its image is a memory file): run in a mount namespace
 * where /tmp is made read-only (bound onto itself and remounted read-only, not replaced: the
 * build, and so the helper, may live under /tmp), it still strips. Skipped where unprivileged
 * namespaces are not allowed */
static void
test_strip_helper_no_tmp (void)
{
  const gchar *helper = g_getenv ("SESSIOND_STRIP_METADATA");
  const gchar *probe[] = { "unshare", "-rm", "--propagation", "private", "sh", "-c",
                           "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp &&"
                           " ! touch /tmp/x 2>/dev/null",
                           NULL };
  const gchar *argv[] = { "unshare", "-rm", "--propagation", "private", "sh", "-c",
                          "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp &&"
                          " exec \"$0\"", helper, NULL };
  g_autoptr(GBytes) jpeg = gps_jpeg ();
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) ignored = NULL;

  g_assert_nonnull (helper);
  if (run_command (probe, empty, &ignored) != 0) {
    g_test_skip ("no user and mount namespace here (unshare -rm)");
    return;
  }
  g_assert_cmpint (run_command (argv, jpeg, &out), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (out), >, 8);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), 8, "\x40\0\0\0\x30\0\0\0", 8);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attachments/backoff", test_backoff);
  g_test_add_func ("/attachments/avatar-check", test_avatar_check);
  g_test_add_func ("/attachments/strip-helper", test_strip_helper);
  g_test_add_func ("/attachments/strip-helper-no-tmp", test_strip_helper_no_tmp);
  g_test_add ("/attachments/sweep-spares-prepared", Fixture, NULL, setup,
              test_sweep_spares_prepared, teardown);
  g_test_add ("/attachments/refused-leaves-nothing", Fixture, NULL, setup,
              test_refused_leaves_nothing, teardown);
  g_test_add ("/attachments/unknown-image-refused", Fixture, NULL, setup,
              test_unknown_image_refused, teardown);
  g_test_add ("/attachments/prepares-queued", Fixture, NULL, setup, test_prepares_queued,
              teardown);
  g_test_add ("/attachments/upload-cap", Fixture, NULL, setup, test_upload_cap, teardown);
  g_test_add ("/attachments/store-file", Fixture, NULL, setup, test_store_file, teardown);
  g_test_add ("/attachments/prepare-copies", Fixture, NULL, setup, test_prepare_copies,
              teardown);
  return g_test_run ();
}
