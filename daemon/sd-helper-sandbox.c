/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The confinement of sessiond-strip-metadata once it holds its input (docs/security.md): the
 * kernel's Landlock ABI (<linux/landlock.h>, its three system calls) for the file system, TCP,
 * abstract sockets and signals, and a seccomp filter built with libseccomp for everything
 * else. Kept apart from the helper so that a test can apply it and try what it must refuse.
 */

#define _GNU_SOURCE
#include "config.h"

#include "sd-helper-sandbox.h"

#include <errno.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

G_DEFINE_QUARK (sd-helper-sandbox-error-quark, sd_helper_sandbox_error)

/* the rights of Landlock ABIs newer than the <linux/landlock.h> of older distributions
 * (Debian 12's knows ABI 2): the values are the kernel's ABI, they do not change */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/* the newest ABI whose rights we know: a newer kernel gets these (it still denies them) */
#define LANDLOCK_ABI_KNOWN 7

/* struct landlock_ruleset_attr as of ABI 6; older kernels are given its first 8 or 16 bytes */
typedef struct {
  guint64 handled_access_fs;
  guint64 handled_access_net;
  guint64 scoped;
} RulesetAttr;

/* the ABI version of the kernel's Landlock, 0 when it has none (not built, not enabled at
 * boot, or refused by a container's own filter) */
static gint
landlock_abi (void)
{
#ifdef SYS_landlock_create_ruleset
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

  if (abi < 0) {
    g_debug ("no Landlock here (%s): the seccomp filter alone confines the helper",
             g_strerror (errno));
    return 0;
  }
  return (gint) MIN (abi, LANDLOCK_ABI_KNOWN);
#else
  return 0;
#endif
}

/* a ruleset that handles every right the kernel knows and grants none: no file may be opened,
 * created, removed or executed, no TCP port bound or reached, no abstract unix socket reached
 * and no signal sent outside this process. Files opened before (stdin, stdout) stay usable */
static gboolean
enter_landlock (gint abi, GError **error)
{
#ifdef SYS_landlock_create_ruleset
  RulesetAttr attr = { 0 };
  gsize size = offsetof (RulesetAttr, handled_access_net);
  int fd;

  /* ABI 1: bits 0-12; 2: REFER; 3: TRUNCATE; 5: IOCTL_DEV */
  attr.handled_access_fs = LANDLOCK_ACCESS_FS_REFER - 1;
  if (abi >= 2)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  if (abi >= 4) {
    attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
    size = offsetof (RulesetAttr, scoped);
  }
  if (abi >= 6) {
    attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
    size = sizeof attr;
  }
  fd = (int) syscall (SYS_landlock_create_ruleset, &attr, size, 0U);
  if (fd < 0) {
    g_set_error (error, SD_HELPER_SANDBOX_ERROR, SD_HELPER_SANDBOX_ERROR_LANDLOCK,
                 "Landlock ABI %d: no ruleset: %s", abi, g_strerror (errno));
    return FALSE;
  }
  if (syscall (SYS_landlock_restrict_self, fd, 0U) != 0) {
    int saved = errno;

    close (fd);
    g_set_error (error, SD_HELPER_SANDBOX_ERROR, SD_HELPER_SANDBOX_ERROR_LANDLOCK,
                 "Landlock ABI %d: not applied: %s", abi, g_strerror (saved));
    return FALSE;
  }
  close (fd);
  return TRUE;
#else
  g_assert_not_reached ();
#endif
}

/* allows @name without conditions; a call this architecture does not have is left out */
static int
allow (scmp_filter_ctx ctx, const char *name)
{
  int nr = seccomp_syscall_resolve_name (name);

  if (nr < 0)
    return 0;
  return seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* allows @name when its argument @arg has none of the bits of @mask */
static int
allow_without (scmp_filter_ctx ctx, const char *name, guint arg, scmp_datum_t mask)
{
  int nr = seccomp_syscall_resolve_name (name);

  if (nr < 0)
    return 0;
  return seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 1,
                           SCMP_CMP (arg, SCMP_CMP_MASKED_EQ, mask, 0));
}

/* allows @name when its first argument is @value */
static int
allow_first (scmp_filter_ctx ctx, const char *name, scmp_datum_t value)
{
  int nr = seccomp_syscall_resolve_name (name);

  if (nr < 0)
    return 0;
  return seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0 (SCMP_CMP_EQ, value));
}

/* what a parser computing on memory needs, found by running the helper under strace on JPEG,
 * PNG, WebP and GIF input and reading what glibc, GLib, libstdc++ and AddressSanitizer call on
 * their paths that cannot be provoked (abort, an allocation that needs a new mapping) */
static const char *const plain_calls[] = {
  /* the fds it holds: stdin, stdout, stderr */
  "read", "readv", "write", "writev", "lseek", "close",
  /* memory; mmap and mprotect below */
  "brk", "munmap", "mremap", "madvise",
  /* locks, time, randomness (no file needed) */
  "futex", "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
  "clock_nanosleep", "sched_yield", "getrandom",
  /* signals to itself (abort), their handlers, and the end */
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
  "getpid", "gettid", "exit", "exit_group",
};

static gboolean
enter_seccomp (GError **error)
{
  scmp_filter_ctx ctx;
  pid_t self = getpid ();
  int rc = 0;

  /* EPERM rather than killing the process: what a library merely tries (gettext opening a
   * catalogue, isatty's ioctl) fails as it would for any refusal and the strip goes on, and a
   * refused call is visible as such under strace; a denied call gives nothing either way */
  ctx = seccomp_init (SCMP_ACT_ERRNO (EPERM));
  if (ctx == NULL) {
    g_set_error_literal (error, SD_HELPER_SANDBOX_ERROR, SD_HELPER_SANDBOX_ERROR_SECCOMP,
                         "seccomp: no filter context");
    return FALSE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (plain_calls) && rc == 0; i++)
    rc = allow (ctx, plain_calls[i]);
  /* memory, never executable: no code can be brought in */
  if (rc == 0)
    rc = allow_without (ctx, "mmap", 2, PROT_EXEC);
  if (rc == 0)
    rc = allow_without (ctx, "mmap2", 2, PROT_EXEC);
  if (rc == 0)
    rc = allow_without (ctx, "mprotect", 2, PROT_EXEC);
  /* raise and abort signal this process, nothing else */
  if (rc == 0)
    rc = allow_first (ctx, "tgkill", (scmp_datum_t) self);
  if (rc == 0)
    rc = allow_first (ctx, "kill", (scmp_datum_t) self);
  if (rc == 0)
    rc = seccomp_load (ctx);
  seccomp_release (ctx);
  if (rc != 0) {
    g_set_error (error, SD_HELPER_SANDBOX_ERROR, SD_HELPER_SANDBOX_ERROR_SECCOMP,
                 "the seccomp filter could not be installed: %s",
                 g_strerror (-rc));
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_helper_sandbox_enter_landlock (gint *out_landlock_abi, GError **error)
{
  gint abi;

  *out_landlock_abi = 0;
  /* both Landlock and seccomp need it (or CAP_SYS_ADMIN, which we must not rely on) */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    g_set_error (error, SD_HELPER_SANDBOX_ERROR, SD_HELPER_SANDBOX_ERROR_NO_NEW_PRIVS,
                 "no new privileges: %s", g_strerror (errno));
    return FALSE;
  }
  abi = landlock_abi ();
  if (abi > 0 && !enter_landlock (abi, error))
    return FALSE;
  *out_landlock_abi = abi;
  return TRUE;
}

gboolean
sd_helper_sandbox_enter (gint *out_landlock_abi, GError **error)
{
  gint abi;

  *out_landlock_abi = 0;
  /* Landlock first: the filter denies its calls */
  if (!sd_helper_sandbox_enter_landlock (&abi, error) || !enter_seccomp (error))
    return FALSE;
  *out_landlock_abi = abi;
  return TRUE;
}
