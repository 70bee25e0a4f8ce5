/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sessiond-strip-metadata: removes EXIF (with any GPS position), XMP, IPTC and the comment
 * from one image, keeping its orientation. sessiond runs it for each image it sends (an
 * attachment, our avatar): exiv2 parses untrusted files and has a history of memory bugs, so
 * it runs here, in a short-lived process that holds no keys and no other fds, not in the
 * daemon (docs/security.md).
 *
 * stdin: the image (at most SD_STRIP_MAX_INPUT bytes). stdout: width and height in pixels
 * (two little-endian u32), then the image without metadata. Exit status: 0 done, 2 a file
 * exiv2 cannot open, 3 one it cannot write back (sessiond refuses to send either), 1 anything
 * else (input too large or unreadable, no memory file).
 *
 * Confinement (docs/security.md), all from the kernel, nothing to install: every fd but the
 * three pipes closed; the image kept in a memory file (memfd), so exiv2 touches no file
 * system; then, best effort, a user and a network namespace of its own (no network); then no
 * new privileges, not dumpable, and limits on CPU time, address space, file size, open files
 * and processes.
 */

/* memfd_create, unshare */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gexiv2/gexiv2.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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
/* the three pipes, the memory file, and the few exiv2 opens on its path at once */
#define FILES_MAX 16

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

static int
strip (const gchar *path, guint32 *width, guint32 *height)
{
  g_autoptr(GExiv2Metadata) metadata = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  GExiv2Orientation orientation;

  if (!gexiv2_metadata_open_path (metadata, path, &error))
    return EXIT_UNSUPPORTED;
  *width = (guint32) CLAMP (gexiv2_metadata_get_pixel_width (metadata), 0, DIMENSION_MAX);
  *height = (guint32) CLAMP (gexiv2_metadata_get_pixel_height (metadata), 0, DIMENSION_MAX);
  /* a format without any of the three (GIF, BMP) carries none of them */
  if (!gexiv2_metadata_get_supports_exif (metadata) && !gexiv2_metadata_get_supports_xmp (metadata) &&
      !gexiv2_metadata_get_supports_iptc (metadata))
    return 0;
  orientation = gexiv2_metadata_try_get_orientation (metadata, NULL);
  gexiv2_metadata_clear (metadata);
  /* a photo must not turn sideways */
  if (orientation > GEXIV2_ORIENTATION_NORMAL && orientation <= GEXIV2_ORIENTATION_ROT_270 &&
      gexiv2_metadata_get_supports_exif (metadata))
    gexiv2_metadata_try_set_orientation (metadata, orientation, NULL);
  if (!gexiv2_metadata_save_file (metadata, path, &error))
    return EXIT_UNWRITABLE;
  return 0;
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

/* @data in a memory file, and the path exiv2 opens it by: no file system is written, nothing
 * is left behind, and no other process (or cleaner of /tmp) can touch it. NULL when the
 * kernel has no memfd or /proc is not there */
static gchar *
memory_file (const guint8 *data, gsize len, int *out_fd)
{
  g_autofree gchar *path = NULL;
  int fd = memfd_create ("sessiond-strip", MFD_CLOEXEC);
  int check;

  if (fd < 0)
    return NULL;
  path = g_strdup_printf ("/proc/self/fd/%d", fd);
  /* exiv2 and the read back open the path anew, so each has its own offset (0), whatever
   * this write left the fd's at */
  if (!write_all (fd, data, len) || (check = open (path, O_RDONLY | O_CLOEXEC)) < 0) {
    close (fd);
    return NULL;
  }
  close (check);
  *out_fd = fd;
  return g_steal_pointer (&path);
}

/* a user namespace of our own (no privilege over anything outside it) with an empty network
 * namespace: exiv2 cannot reach any network. Best effort: a sandbox (Flatpak, a container)
 * may forbid nested namespaces, and the limits below hold anyway */
static void
unshare_namespaces (void)
{
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) != 0)
    (void) unshare (CLONE_NEWNET);
}

static void
confine (void)
{
  /* no privilege gained through exec, no core file, bounded memory and CPU time */
  (void) prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  limit (RLIMIT_CORE, 0);
  limit (RLIMIT_CPU, 30);
#ifndef __SANITIZE_ADDRESS__
  /* (AddressSanitizer has reserved terabytes of address space before main: no cap there) */
  limit (RLIMIT_AS, (rlim_t) 1024 * 1024 * 1024);
#endif
  limit (RLIMIT_FSIZE, SD_STRIP_MAX_OUTPUT * 2);
  limit (RLIMIT_NOFILE, FILES_MAX);
  limit (RLIMIT_NPROC, 0);
}

/* exiv2 rewrites a file in place: one in a private directory under /tmp, when there is no
 * memory file */
static gchar *
private_file (const guint8 *data, gsize len, gchar **out_dir)
{
  g_autofree gchar *dir = g_dir_make_tmp ("sessiond-strip-XXXXXX", NULL);
  g_autofree gchar *path = NULL;

  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, "image", NULL);
  if (!g_file_set_contents_full (path, (const gchar *) data, (gssize) len,
                                 G_FILE_SET_CONTENTS_NONE, 0600, NULL)) {
    g_rmdir (dir);
    return NULL;
  }
  *out_dir = g_steal_pointer (&dir);
  return g_steal_pointer (&path);
}

int
main (int argc, char *argv[])
{
  g_autofree guint8 *input = NULL;
  g_autofree gchar *dir = NULL, *path = NULL, *output = NULL;
  gsize len = 0, out_len = 0;
  guint32 width = 0, height = 0;
  guint8 header[8];
  int memfd = -1;
  int status;

  close_other_fds ();
  input = read_stdin (&len);
  if (input == NULL)
    return EXIT_FAILED;
  path = memory_file (input, len, &memfd);
  if (path != NULL)
    unshare_namespaces ();
  else
    path = private_file (input, len, &dir);
  if (path == NULL)
    return EXIT_FAILED;
  g_clear_pointer (&input, g_free);
  confine ();
  if (!gexiv2_initialize ())
    status = EXIT_FAILED;
  else
    status = strip (path, &width, &height);
  if (status == 0 && (!g_file_get_contents (path, &output, &out_len, NULL) ||
                      out_len > SD_STRIP_MAX_OUTPUT))
    status = EXIT_FAILED;
  if (dir != NULL) {
    g_unlink (path);
    g_rmdir (dir);
  }
  if (memfd >= 0)
    close (memfd);
  if (status != 0)
    return status;
  for (guint i = 0; i < 4; i++) {
    header[i] = (guint8) (width >> (8 * i));
    header[4 + i] = (guint8) (height >> (8 * i));
  }
  if (!write_all (STDOUT_FILENO, header, sizeof header) ||
      !write_all (STDOUT_FILENO, output, out_len))
    return EXIT_FAILED;
  return 0;
}
