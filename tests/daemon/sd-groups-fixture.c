/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sd-groups-fixture.h"

#include <string.h>

void
sd_groups_fixture_setup (SdGroupsFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  sd_test_identity_from_byte (&f->me, 0x11);
  sd_test_identity_from_byte (&f->admin, 0x22);
  sd_test_identity_from_byte (&f->other, 0x33);
  sd_test_store_init (&f->test_store, &f->me);
  f->store = f->test_store.store;
  memset (f->group_seed, 0x44, sizeof (f->group_seed));
  g_assert_true (sd_group_identity_from_seed (&f->group, f->group_seed, &error));
  g_assert_no_error (error);
}

void
sd_groups_fixture_teardown (SdGroupsFixture *f, gconstpointer data)
{
  f->store = NULL;
  sd_test_store_clear (&f->test_store);
  sd_group_identity_clear (&f->group);
}

void
sd_groups_fixture_add (const gchar *path, SdGroupsFixtureFunc setup, SdGroupsFixtureFunc test)
{
  g_test_add (path, SdGroupsFixture, NULL, setup != NULL ? setup : sd_groups_fixture_setup, test,
              sd_groups_fixture_teardown);
}
