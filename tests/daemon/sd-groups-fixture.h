/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* what the groups store tests (sd-groups-test, sd-group-media-test) share: a fresh store of
 * ours, three accounts and one group whose seed we hold */

#include "groups/sd-group-identity.h"
#include "sd-daemon-test-util.h"
#include "sd-store.h"

G_BEGIN_DECLS

typedef struct {
  SdTestStore test_store;
  SdStore *store; /* test_store's, borrowed */
  SdIdentity me, admin, other;
  guint8 group_seed[32];
  SdGroupIdentity group; /* the admin's view: made from group_seed */
} SdGroupsFixture;

/* for g_test_add (): the store is ours (me), the group is in nobody's store yet */
void sd_groups_fixture_setup (SdGroupsFixture *f, gconstpointer data);
void sd_groups_fixture_teardown (SdGroupsFixture *f, gconstpointer data);

typedef void (*SdGroupsFixtureFunc) (SdGroupsFixture *f, gconstpointer data);

/* g_test_add () of @test at @path with the teardown above, after @setup: the setup above or
 * one that starts with it (%NULL: the setup above) */
void sd_groups_fixture_add (const gchar *path, SdGroupsFixtureFunc setup,
                            SdGroupsFixtureFunc test);

G_END_DECLS
