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
 * exiv2 cannot open or write (sessiond refuses to send it), 1 anything else.
 */

#include "config.h"

#include <errno.h>
#include <gexiv2/gexiv2.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define SD_STRIP_MAX_INPUT 10000000 /* SD_ATTACHMENTS_MAX_SIZE */
#define SD_STRIP_MAX_OUTPUT (SD_STRIP_MAX_INPUT + 65536)
#define DIMENSION_MAX 65535
#define EXIT_UNSUPPORTED 2

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
    return EXIT_UNSUPPORTED;
  return 0;
}

int
main (int argc, char *argv[])
{
  g_autofree guint8 *input = NULL;
  g_autofree gchar *dir = NULL, *path = NULL, *output = NULL;
  gsize len = 0, out_len = 0;
  guint32 width = 0, height = 0;
  guint8 header[8];
  int status;

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
  limit (RLIMIT_NPROC, 0);

  input = read_stdin (&len);
  if (input == NULL)
    return 1;
  /* exiv2 writes a file in place: one in a private directory, gone when done */
  dir = g_dir_make_tmp ("sessiond-strip-XXXXXX", NULL);
  if (dir == NULL)
    return 1;
  path = g_build_filename (dir, "image", NULL);
  if (!g_file_set_contents_full (path, (const gchar *) input, (gssize) len,
                                 G_FILE_SET_CONTENTS_NONE, 0600, NULL)) {
    g_rmdir (dir);
    return 1;
  }
  g_clear_pointer (&input, g_free);
  if (!gexiv2_initialize ())
    status = 1;
  else
    status = strip (path, &width, &height);
  if (status == 0 && (!g_file_get_contents (path, &output, &out_len, NULL) ||
                      out_len > SD_STRIP_MAX_OUTPUT))
    status = 1;
  g_unlink (path);
  g_rmdir (dir);
  if (status != 0)
    return status;
  for (guint i = 0; i < 4; i++) {
    header[i] = (guint8) (width >> (8 * i));
    header[4 + i] = (guint8) (height >> (8 * i));
  }
  if (!write_all (STDOUT_FILENO, header, sizeof header) ||
      !write_all (STDOUT_FILENO, output, out_len))
    return 1;
  return 0;
}
