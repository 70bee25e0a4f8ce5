/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replays every file of a seed corpus through a fuzz target; used when the
 * compiler has no libFuzzer, so the corpus is still exercised */
#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
  guint n_files = 0;

  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
    const gchar *name;

    if (dir == NULL) {
      g_printerr ("%s\n", error->message);
      return 1;
    }
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree gchar *path = g_build_filename (argv[i], name, NULL);
      g_autofree gchar *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &contents, &len, &error)) {
        g_printerr ("%s\n", error->message);
        return 1;
      }
      LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
      n_files++;
    }
  }
  if (n_files == 0) {
    g_printerr ("empty corpus\n");
    return 1;
  }
  g_print ("replayed %u inputs\n", n_files);
  return 0;
}
