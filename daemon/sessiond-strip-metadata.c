/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sessiond-strip-metadata: removes EXIF (with any GPS position), XMP, IPTC and the comment
 * from one image with exiv2, then every block of its container that the pixels do not need
 * (sd-image-chunks.c: PNG, GIF, WebP, JPEG; BMP as it is; any other format is refused),
 * keeping a JPEG's orientation. sessiond runs it for each image it sends (an
 * attachment, our avatar): exiv2 parses untrusted files and has a history of memory bugs, so
 * it runs here, in a short-lived process that holds no keys and no other fds, not in the
 * daemon (docs/security.md).
 *
 * stdin: the image (at most SD_STRIP_MAX_INPUT bytes). stdout: width and height in pixels
 * (two little-endian u32), then the image without metadata. Exit status: 0 done, 2 a file
 * exiv2 cannot open, a malformed one, or one of a format not walked, 3 one it cannot write
 * back (sessiond refuses to send either), 4 the confinement could not be set up (nothing was parsed), 1 anything else (input too large or
 * unreadable, output too large).
 *
 * Confinement (docs/security.md): every fd but the three pipes closed; the image read whole
 * into memory, where exiv2 reads and rewrites it (it is given no path: it opens no file);
 * then, best effort, a user and a network namespace of its own (no network); no new
 * privileges, not dumpable, limits on CPU time, address space, file size, open files and
 * processes; then, before exiv2 sees a byte of the image, a Landlock ruleset that grants no
 * file system access (when the kernel has Landlock) and a seccomp filter that leaves it only
 * its fds, memory and exit (sd-helper-sandbox.c). Without the filter it parses nothing.
 */

/* unshare */
#define _GNU_SOURCE
#include "config.h"

#include "sd-helper-sandbox.h"
#include "sd-image-chunks.h"

#include <errno.h>
#include <gexiv2/gexiv2.h>
#include <glib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SD_STRIP_MAX_INPUT 10000000 /* SD_ATTACHMENTS_MAX_SIZE */
#define SD_STRIP_MAX_OUTPUT (SD_STRIP_MAX_INPUT + 65536)
#define DIMENSION_MAX 65535
#define EXIT_FAILED 1
#define EXIT_UNSUPPORTED 2      /* exiv2 cannot open it */
#define EXIT_UNWRITABLE 3       /* exiv2 cannot write it back */
#define EXIT_UNCONFINED 4       /* no seccomp filter: nothing parsed */
/* the three pipes, and a margin for the libraries' own (they can open nothing once confined) */
#define FILES_MAX 16

/* AddressSanitizer, as GCC and as clang say it */
#if defined(__SANITIZE_ADDRESS__)
#define SD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SD_ASAN 1
#endif
#endif

#ifdef SD_ASAN
/* LeakSanitizer's check at exit stops the world with a thread that ptraces this process and
 * reads /proc: exactly what the sandbox denies. Under AddressSanitizer the check runs once
 * before the sandbox (which also turns the one at exit off, whatever ASAN_OPTIONS says);
 * memory errors are still reported while exiv2 runs */
void __lsan_do_leak_check (void);
#endif

static void
limit (int resource, rlim_t value)
{
  struct rlimit rl = { value, value };

  (void) setrlimit (resource, &rl);
}

static gboolean
write_all (int fd, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0) {
    ssize_t n = write (fd, p, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static guint8 *
read_stdin (gsize *out_len)
{
  g_autofree guint8 *data = g_malloc (SD_STRIP_MAX_INPUT + 1);
  gsize len = 0;

  for (;;) {
    ssize_t n = read (STDIN_FILENO, data + len, SD_STRIP_MAX_INPUT + 1 - len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return NULL;
    if (n == 0)
      break;
    len += (gsize) n;
    if (len > SD_STRIP_MAX_INPUT)
      return NULL;
  }
  *out_len = len;
  return g_steal_pointer (&data);
}

/* the image as exiv2 sees it through gexiv2's stream callbacks: our buffer, read and then
 * rewritten in place. exiv2 writes a stream only to transfer the new image into it, after
 * seeking to its start: a write that follows such a seek starts a new image (the old one may
 * be longer) */
typedef struct {
  GByteArray *bytes;
  gsize position;
  gboolean truncate_on_write; /* the last call was a seek to the start */
  gboolean too_large;         /* the new image would pass SD_STRIP_MAX_OUTPUT */
} MemoryImage;

static gboolean
memory_yes (void *handle)
{
  return TRUE;
}

static gint64
memory_length (void *handle)
{
  MemoryImage *image = handle;

  return (gint64) image->bytes->len;
}

static gint64
memory_position (void *handle)
{
  MemoryImage *image = handle;

  return (gint64) image->position;
}

static gint32
memory_read (void *handle, void *buffer, gint32 offset, gint32 count)
{
  MemoryImage *image = handle;
  gsize n;

  image->truncate_on_write = FALSE;
  if (offset < 0 || count <= 0 || image->position >= image->bytes->len)
    return 0;
  n = MIN ((gsize) count, image->bytes->len - image->position);
  memcpy ((guint8 *) buffer + offset, image->bytes->data + image->position, n);
  image->position += n;
  return (gint32) n;
}

static void
memory_write (void *handle, void *buffer, gint32 offset, gint32 count)
{
  MemoryImage *image = handle;

  if (image->truncate_on_write)
    g_byte_array_set_size (image->bytes, (guint) image->position);
  image->truncate_on_write = FALSE;
  if (offset < 0 || count <= 0 || image->too_large)
    return;
  if ((gsize) count > SD_STRIP_MAX_OUTPUT - MIN (image->position, SD_STRIP_MAX_OUTPUT)) {
    image->too_large = TRUE;
    return;
  }
  if (image->position + (gsize) count > image->bytes->len)
    g_byte_array_set_size (image->bytes, (guint) (image->position + (gsize) count));
  memcpy (image->bytes->data + image->position, (guint8 *) buffer + offset, (gsize) count);
  image->position += (gsize) count;
}

static void
memory_seek (void *handle, gint64 offset, WrapperSeekOrigin origin)
{
  MemoryImage *image = handle;
  gint64 base = origin == Begin ? 0 : origin == Current ? (gint64) image->position
                                                          : (gint64) image->bytes->len;
  gint64 to = base + offset;

  /* within the image: a stream cannot say that a seek failed, a read there gives nothing */
  image->position = (gsize) CLAMP (to, 0, (gint64) image->bytes->len);
  image->truncate_on_write = image->position == 0;
}

static void
memory_flush (void *handle)
{
}

/* @image without anything exiv2 left but what displays it (sd-image-chunks.c), in @out */
static int
keep_display_chunks (const GByteArray *image, GExiv2Orientation orientation, GByteArray **out)
{
  g_autoptr(GByteArray) kept = g_byte_array_sized_new (image->len);

  switch (sd_image_chunks_keep (image->data, image->len, (guint) orientation, kept)) {
  case SD_IMAGE_CHUNKS_KEPT:
    *out = g_steal_pointer (&kept);
    return 0;
  case SD_IMAGE_CHUNKS_MALFORMED:
  case SD_IMAGE_CHUNKS_UNKNOWN:
  default:
    /* a format whose every block we cannot vouch for (TIFF, TGA, PSD, raw...) is not sent */
    return EXIT_UNSUPPORTED;
  }
}

/* @input (taken) without its metadata, in @out; its size in pixels */
static int
strip (guint8 *input, gsize len, guint32 *width, guint32 *height, GByteArray **out)
{
  /* (freed after @metadata, whose parse refers to it) */
  g_autoptr(GByteArray) bytes = g_byte_array_new_take (input, len);
  g_autoptr(GByteArray) rewritten = NULL;
  g_autoptr(GExiv2Metadata) metadata = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  MemoryImage image = { NULL, 0, FALSE, FALSE };
  ManagedStreamCallbacks stream = {
    &image, memory_yes, memory_yes, memory_yes, memory_length, memory_position,
    memory_read, memory_write, memory_seek, memory_flush,
  };
  GExiv2Orientation orientation = GEXIV2_ORIENTATION_UNSPECIFIED;

  if (!gexiv2_metadata_open_buf (metadata, bytes->data, (glong) bytes->len, &error))
    return EXIT_UNSUPPORTED;
  *width = (guint32) CLAMP (gexiv2_metadata_get_pixel_width (metadata), 0, DIMENSION_MAX);
  *height = (guint32) CLAMP (gexiv2_metadata_get_pixel_height (metadata), 0, DIMENSION_MAX);
  /* a format exiv2 keeps none of the three in (GIF, BMP): only the walk below */
  if (!gexiv2_metadata_get_supports_exif (metadata) && !gexiv2_metadata_get_supports_xmp (metadata) &&
      !gexiv2_metadata_get_supports_iptc (metadata))
    return keep_display_chunks (bytes, orientation, out);
  orientation = gexiv2_metadata_try_get_orientation (metadata, NULL);
  gexiv2_metadata_clear (metadata);
  /* a photo must not turn sideways */
  if (orientation > GEXIV2_ORIENTATION_NORMAL && orientation <= GEXIV2_ORIENTATION_ROT_270 &&
      gexiv2_metadata_get_supports_exif (metadata))
    gexiv2_metadata_try_set_orientation (metadata, orientation, NULL);
  /* exiv2 opens the image again and writes the new one over it: in a copy, as its first
   * parse (open_buf) reads from @bytes in place */
  rewritten = g_byte_array_sized_new ((guint) bytes->len);
  g_byte_array_append (rewritten, bytes->data, (guint) bytes->len);
  image.bytes = rewritten;
  if (!gexiv2_metadata_save_stream (metadata, &stream, &error))
    return EXIT_UNWRITABLE;
  if (image.too_large)
    return EXIT_FAILED;
  /* exiv2 removes what it knows and leaves the rest (PNG text chunks with other keywords,
   * tIME, a WebP's XMP, a JPEG's Photoshop segment...): the walk keeps only what displays the
   * pixels, and a JPEG's orientation as its one Exif tag */
  return keep_display_chunks (rewritten, orientation, out);
}

/* nothing of the parent's but the three pipes (GSubprocess closes the rest too) */
static void
close_other_fds (void)
{
#ifdef SYS_close_range
  if (syscall (SYS_close_range, 3U, ~0U, 0U) == 0)
    return;
#endif
  for (int fd = 3; fd < 65536; fd++)
    (void) close (fd);
}

/* a user namespace of our own (no privilege over anything outside it) with an empty network
 * namespace: exiv2 cannot reach any network. Best effort: a sandbox (Flatpak, a container)
 * may forbid nested namespaces, and the limits and filter below hold anyway */
static void
unshare_namespaces (void)
{
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) != 0)
    (void) unshare (CLONE_NEWNET);
}

static void
confine (void)
{
  /* no core file, bounded memory and CPU time (no new privileges: in the sandbox) */
  (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  limit (RLIMIT_CORE, 0);
  limit (RLIMIT_CPU, 30);
#ifndef SD_ASAN
  /* (AddressSanitizer has reserved terabytes of address space before main: no cap there) */
  limit (RLIMIT_AS, (rlim_t) 1024 * 1024 * 1024);
#endif
  limit (RLIMIT_FSIZE, SD_STRIP_MAX_OUTPUT * 2);
  limit (RLIMIT_NOFILE, FILES_MAX);
  limit (RLIMIT_NPROC, 0);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) output = NULL;
  guint8 *input;
  gsize len = 0;
  guint32 width = 0, height = 0;
  guint8 header[8];
  gint landlock = 0;
  int status;

  /* stdout is the image: GLib's debug messages (G_MESSAGES_DEBUG) go to stderr */
  g_log_writer_default_set_use_stderr (TRUE);
  close_other_fds ();
  input = read_stdin (&len);
  if (input == NULL)
    return EXIT_FAILED;
  unshare_namespaces ();
  confine ();
  /* exiv2's own set-up reads nothing of the image */
  if (!gexiv2_initialize ()) {
    g_free (input);
    return EXIT_FAILED;
  }
#ifdef SD_ASAN
  __lsan_do_leak_check ();
#endif
  if (!sd_helper_sandbox_enter (&landlock, &error)) {
    /* exiv2 does not run unconfined: sessiond fails the send (Failed) and logs the status */
    fprintf (stderr, "sessiond-strip-metadata: not parsing an image unconfined: %s\n",
             error->message);
    g_free (input);
    return EXIT_UNCONFINED;
  }
  g_debug ("confined: seccomp filter, Landlock ABI %d", landlock);
  status = strip (input, len, &width, &height, &output);
  if (status != 0)
    return status;
  for (guint i = 0; i < 4; i++) {
    header[i] = (guint8) (width >> (8 * i));
    header[4 + i] = (guint8) (height >> (8 * i));
  }
  if (!write_all (STDOUT_FILENO, header, sizeof header) ||
      !write_all (STDOUT_FILENO, output->data, output->len))
    return EXIT_FAILED;
  return 0;
}
