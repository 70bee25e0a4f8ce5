/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The metadata helper's sandbox (daemon/sd-helper-sandbox.c, docs/security.md): a forked child
 * applies it, then tries what an exploited parser would (read a file, make one, open a socket,
 * run a program, fork, look at or signal its parent, map code) and reports through a pipe what
 * each call gave; the real helper still strips a JPEG with GPS tags once confined, and refuses
 * to parse when its filter cannot be installed.
 */

#define _GNU_SOURCE
#include "config.h"

#include "sd-helper-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  gchar *dir;     /* a private directory with a readable file in it */
  gchar *file;
  int listener;   /* a TCP socket listening on loopback */
  guint16 port;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;

  f->dir = g_dir_make_tmp ("sd-helper-sandbox-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->file = g_build_filename (f->dir, "secret", NULL);
  g_assert_true (g_file_set_contents (f->file, "the user's file", -1, NULL));
  f->listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (f->listener, >=, 0);
  g_assert_cmpint (bind (f->listener, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (f->listener, 4), ==, 0);
  g_assert_cmpint (getsockname (f->listener, (struct sockaddr *) &addr, &len), ==, 0);
  f->port = ntohs (addr.sin_port);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  close (f->listener);
  g_unlink (f->file);
  g_autofree gchar *made = g_build_filename (f->dir, "made", NULL);
  g_unlink (made);
  g_rmdir (f->dir);
  g_free (f->file);
  g_free (f->dir);
}

/* ---- in the child: one line "name errno" per call (0: it worked), with snprintf and write
 * only, which the sandbox leaves */

static void
report (int out, const char *name, int result)
{
  char line[96];
  int n = snprintf (line, sizeof line, "%s %d\n", name, result < 0 ? errno : 0);

  if (n > 0)
    (void) write (out, line, (size_t) n);
}

static void
try_file_system (int out, const Fixture *f, int opened)
{
  g_autofree gchar *made = g_build_filename (f->dir, "made", NULL);
  char buf[8];

  report (out, "open", open (f->file, O_RDONLY | O_CLOEXEC));
  report (out, "openat", (int) syscall (SYS_openat, AT_FDCWD, f->file, O_RDONLY | O_CLOEXEC));
  report (out, "create", open (made, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  /* what was open before stays usable */
  report (out, "read-opened", read (opened, buf, sizeof buf) == (ssize_t) sizeof buf ? 0 : -1);
}

static void
try_exec (int out)
{
  char *const argv[] = { (char *) "/bin/true", NULL };
  char *const envp[] = { NULL };

  /* it comes back only when refused */
  report (out, "execve", execve ("/bin/true", argv, envp));
}

static void
try_connect (int out, const char *name, guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0) {
    report (out, name, -1);
    return;
  }
  report (out, name, connect (fd, (struct sockaddr *) &addr, sizeof addr));
  close (fd);
}

/* the whole sandbox, then everything an exploit would want */
static void
child_full (int out, const Fixture *f, int opened)
{
  g_autoptr(GError) error = NULL;
  gint abi = 0;
  guint8 peek[8];
  /* the same address in the parent (a fork): readable there, were it allowed */
  struct iovec local = { peek, sizeof peek }, remote = { peek, sizeof peek };
  void *code;
  guint8 *big;
  pid_t pid;

  if (!sd_helper_sandbox_enter (&abi, &error)) {
    report (out, "sandbox", -1);
    _exit (3);
  }
  try_file_system (out, f, opened);
  report (out, "socket-unix", socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  report (out, "socket-inet", socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  try_exec (out);
  pid = fork ();
  if (pid == 0)
    _exit (0);
  report (out, "fork", pid);
  report (out, "ptrace", (int) ptrace (PTRACE_ATTACH, getppid (), NULL, NULL));
  report (out, "process-vm-readv",
          (int) process_vm_readv (getppid (), &local, 1, &remote, 1, 0));
  report (out, "kill-parent", kill (getppid (), 0));
  report (out, "mount", mount ("none", f->dir, "tmpfs", 0, NULL));
  report (out, "unshare", unshare (CLONE_NEWUSER));
  code = mmap (NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  report (out, "mmap-exec", code == MAP_FAILED ? -1 : 0);
  /* memory, time and our own pid still work: a parser can run */
  big = malloc (64 << 20);
  if (big != NULL)
    memset (big, 1, 64 << 20);
  report (out, "malloc", big != NULL && big[(64 << 20) - 1] == 1 ? 0 : -1);
  free (big);
  report (out, "getpid", getpid () > 0 ? 0 : -1);
  _exit (abi);
}

/* Landlock alone, where the kernel has it: the file system, TCP and signals are refused by it
 * even without the filter */
static void
child_landlock (int out, const Fixture *f, int opened)
{
  g_autoptr(GError) error = NULL;
  gint abi = 0;

  if (!sd_helper_sandbox_enter_landlock (&abi, &error)) {
    report (out, "sandbox", -1);
    _exit (3);
  }
  if (abi == 0)
    _exit (0);
  try_file_system (out, f, opened);
  try_exec (out);
  if (abi >= 4)
    try_connect (out, "connect-tcp", f->port);
  if (abi >= 6)
    report (out, "kill-parent", kill (getppid (), 0));
  _exit (abi);
}

/* forks @child; its report as name -> errno, and how it ended */
static GHashTable *
run_child (void (*child) (int, const Fixture *, int), const Fixture *f, int *out_status)
{
  GHashTable *results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  int pipe_fds[2];
  int opened;
  char buf[512];
  ssize_t n;
  pid_t pid;

  opened = open (f->file, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (opened, >=, 0);
  g_assert_cmpint (pipe2 (pipe_fds, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    close (pipe_fds[0]);
    child (pipe_fds[1], f, opened);
    _exit (2);
  }
  close (pipe_fds[1]);
  close (opened);
  while ((n = read (pipe_fds[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    g_assert_cmpint (n, >, 0);
    g_string_append_len (text, buf, n);
  }
  close (pipe_fds[0]);
  while (waitpid (pid, out_status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_test_message ("child: %s", text->str);
  lines = g_strsplit (text->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) parts = g_strsplit (lines[i], " ", 2);

    if (g_strv_length (parts) == 2)
      g_hash_table_insert (results, g_strdup (parts[0]),
                           GINT_TO_POINTER (atoi (parts[1]) + 1)); /* 0 is "absent" */
  }
  return results;
}

/* the errno @name's call gave; -1 when the child did not report it */
static int
result_of (GHashTable *results, const char *name)
{
  gpointer value = g_hash_table_lookup (results, name);

  return value == NULL ? -1 : GPOINTER_TO_INT (value) - 1;
}

static gint
kernel_landlock_abi (void)
{
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

  return abi < 0 ? 0 : (gint) MIN (abi, 7);
}

static void
test_denies (Fixture *f, gconstpointer data)
{
  g_autofree gchar *made = g_build_filename (f->dir, "made", NULL);
  const char *denied[] = { "open", "openat", "create", "socket-unix", "socket-inet", "execve",
                           "fork", "ptrace", "process-vm-readv", "kill-parent", "mount",
                           "unshare", "mmap-exec" };
  g_autoptr(GHashTable) results = NULL;
  int status = -1;

  results = run_child (child_full, f, &status);
  /* it exited by itself (no SIGSYS, no crash), with the Landlock ABI it applied */
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, kernel_landlock_abi ());
  g_assert_cmpint (result_of (results, "sandbox"), ==, -1);
  for (gsize i = 0; i < G_N_ELEMENTS (denied); i++) {
    g_test_message ("%s: %d", denied[i], result_of (results, denied[i]));
    /* refused by the filter, with EPERM */
    g_assert_cmpint (result_of (results, denied[i]), ==, EPERM);
  }
  g_assert_cmpint (result_of (results, "read-opened"), ==, 0);
  g_assert_cmpint (result_of (results, "malloc"), ==, 0);
  g_assert_cmpint (result_of (results, "getpid"), ==, 0);
  g_assert_false (g_file_test (made, G_FILE_TEST_EXISTS));
}

static void
test_landlock (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) results = NULL;
  g_autofree gchar *made = g_build_filename (f->dir, "made", NULL);
  gint abi = kernel_landlock_abi ();
  int status = -1;

  if (abi == 0) {
    g_test_skip ("this kernel has no Landlock");
    return;
  }
  results = run_child (child_landlock, f, &status);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, abi);
  /* Landlock answers EACCES where the filter would say EPERM: these are its refusals */
  g_assert_cmpint (result_of (results, "open"), ==, EACCES);
  g_assert_cmpint (result_of (results, "openat"), ==, EACCES);
  g_assert_cmpint (result_of (results, "create"), ==, EACCES);
  g_assert_cmpint (result_of (results, "execve"), ==, EACCES);
  g_assert_cmpint (result_of (results, "read-opened"), ==, 0);
  g_assert_false (g_file_test (made, G_FILE_TEST_EXISTS));
  if (abi >= 4)
    g_assert_cmpint (result_of (results, "connect-tcp"), ==, EACCES);
  if (abi >= 6)
    g_assert_cmpint (result_of (results, "kill-parent"), ==, EPERM);
}

/* ---- the real helper, confined */

/* a JPEG of 64 x 48 pixels whose APP1 Exif holds a GPS IFD (as in sd-attachments-test) */
static const guint8 gps_jpeg[] = {
  0xff, 0xd8,
  0xff, 0xe1, 0x00, 0x64, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0x49, 0x49, 0x2a, 0x00, 0x08,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x25, 0x88, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00,
  0x00, 0x02, 0x02, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x4e, 0x00,
  0x00, 0x00, 0x02, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
  0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x30, 0x00, 0x40, 0x03, 0x01, 0x11, 0x00, 0x02, 0x11,
  0x00, 0x03, 0x11, 0x00,
  0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0x12,
  0x34, 0x56, 0x78, 0xff, 0xd9,
};

/* a parent that forbids installing a filter (seccomp and prctl (PR_SET_SECCOMP) fail) */
static void
forbid_seccomp (void)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);

  if (ctx == NULL ||
      seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (seccomp), 0) != 0 ||
      seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (prctl), 1,
                        SCMP_A0 (SCMP_CMP_EQ, PR_SET_SECCOMP)) != 0 ||
      seccomp_load (ctx) != 0)
    _exit (126);
  seccomp_release (ctx);
}

static void
read_all (int fd, GByteArray *into)
{
  guint8 buf[4096];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    g_assert_cmpint (n, >, 0);
    g_byte_array_append (into, buf, (guint) n);
  }
  close (fd);
}

/* the helper on the GPS JPEG, with G_MESSAGES_DEBUG=all; its exit status (or -signal) */
static int
run_helper (gboolean without_seccomp, GByteArray *out, GByteArray *err)
{
  const gchar *helper = g_getenv ("SESSIOND_STRIP_METADATA");
  char *const argv[] = { (char *) helper, NULL };
  char *const envp[] = { (char *) "G_MESSAGES_DEBUG=all", NULL };
  int in_fds[2], out_fds[2], err_fds[2];
  int status = 0;
  pid_t pid;

  g_assert_nonnull (helper);
  g_assert_cmpint (pipe2 (in_fds, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (out_fds, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (err_fds, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    if (dup2 (in_fds[0], 0) < 0 || dup2 (out_fds[1], 1) < 0 || dup2 (err_fds[1], 2) < 0)
      _exit (127);
    if (without_seccomp)
      forbid_seccomp ();
    execve (helper, argv, envp);
    _exit (127);
  }
  close (in_fds[0]);
  close (out_fds[1]);
  close (err_fds[1]);
  /* 143 bytes: the pipe holds them whatever the helper does */
  g_assert_cmpint (write (in_fds[1], gps_jpeg, sizeof gps_jpeg), ==, (ssize_t) sizeof gps_jpeg);
  close (in_fds[1]);
  read_all (out_fds[0], out);
  read_all (err_fds[0], err);
  while (waitpid (pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_byte_array_append (err, (const guint8 *) "", 1);
  g_test_message ("helper: %s", (const char *) err->data);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -WTERMSIG (status);
}

static gboolean
contains (const GByteArray *bytes, const char *needle, gsize n)
{
  for (gsize i = 0; i + n <= bytes->len; i++)
    if (memcmp (bytes->data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_helper_strips_confined (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) err = g_byte_array_new ();
  g_autofree gchar *confined = g_strdup_printf ("confined: seccomp filter, Landlock ABI %d",
                                                kernel_landlock_abi ());

  g_assert_cmpint (run_helper (FALSE, out, err), ==, 0);
  /* it said so after the filter was in, before exiv2 parsed */
  g_assert_nonnull (strstr ((const char *) err->data, confined));
  /* 64 x 48, then the JPEG without its Exif segment and GPS tag */
  g_assert_cmpuint (out->len, >, 8 + 4);
  g_assert_cmpmem (out->data, 8, "\x40\0\0\0\x30\0\0\0", 8);
  g_assert_cmpmem (out->data + 8, 2, "\xff\xd8", 2);
  g_assert_false (contains (out, "Exif", 4));
  g_assert_false (contains (out, "\x25\x88", 2));
  g_assert_true (contains (out, "\xff\xda", 2));
}

static void
test_helper_refuses_unconfined (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) err = g_byte_array_new ();

  /* 4: it parsed nothing, and wrote nothing to stdout */
  g_assert_cmpint (run_helper (TRUE, out, err), ==, 4);
  g_assert_cmpuint (out->len, ==, 0);
  g_assert_nonnull (strstr ((const char *) err->data, "not parsing an image unconfined"));
  g_assert_null (strstr ((const char *) err->data, "confined: seccomp filter"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/helper-sandbox/denies", Fixture, NULL, setup, test_denies, teardown);
  g_test_add ("/helper-sandbox/landlock", Fixture, NULL, setup, test_landlock, teardown);
  g_test_add_func ("/helper-sandbox/helper-strips-confined", test_helper_strips_confined);
  g_test_add_func ("/helper-sandbox/helper-refuses-unconfined", test_helper_refuses_unconfined);
  return g_test_run ();
}
