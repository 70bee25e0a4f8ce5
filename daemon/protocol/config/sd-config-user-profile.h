/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* UserProfile config (namespace 2): our own name, avatar and Note-to-Self
 * settings, as getters and setters on its data dict */

#define SD_CONFIG_PROFILE_MAX_NAME 100

/* NULL when unset or empty */
gchar *sd_config_user_profile_get_name (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* NULL or "" clears; longer than 100 bytes is refused */
gboolean sd_config_user_profile_set_name (SdConfigValue *data, const gchar *name, GError **error);

/* the picture in force: "P"/"Q" (a re-upload) when its time "T" is newer than the
 * profile's "t", else "p"/"q" (libsession-util's rule); FALSE when there is no complete
 * avatar (URL and 32-byte key) */
gboolean sd_config_user_profile_get_avatar (const SdConfigValue *data,
                                            gchar **url,
                                            guint8 key[32]);
/* "p"/"q" only, without touching the times: @url NULL or "" clears both fields */
gboolean sd_config_user_profile_set_avatar (SdConfigValue *data,
                                            const gchar *url,
                                            const guint8 key[32],
                                            GError **error);
/* a new picture (or none): "p"/"q", "t" moved to @now_s (and past "T", so that it is the
 * picture in force); removing it removes the re-uploaded "P"/"Q"/"T" too. Nothing changes
 * when "p"/"q" already say so */
gboolean sd_config_user_profile_set_new_avatar (SdConfigValue *data,
                                                const gchar *url,
                                                const guint8 key[32],
                                                gint64 now_s,
                                                GError **error);
/* the same picture uploaded again (its file would expire): "P"/"Q", "T" moved to @now_s
 * (and past "t"). Nothing changes when "P"/"Q" already say so */
gboolean sd_config_user_profile_set_reuploaded_avatar (SdConfigValue *data,
                                                       const gchar *url,
                                                       const guint8 key[32],
                                                       gint64 now_s,
                                                       GError **error);
/* when the profile last changed: the larger of "t" and "T" (0: never said) */
gint64 sd_config_user_profile_get_updated (const SdConfigValue *data);
/* another part of the profile (the name) changed: the larger of "t" and "T" moves to @now_s,
 * as libsession-util does, so the picture in force stays the same */
void sd_config_user_profile_touch (SdConfigValue *data, gint64 now_s);

/* Note to Self: pinned (> 0) or hidden (< 0) */
gint64 sd_config_user_profile_get_nts_priority (const SdConfigValue *data);
void sd_config_user_profile_set_nts_priority (SdConfigValue *data, gint64 priority);
/* Note to Self disappearing timer, seconds (0 = off) */
gint64 sd_config_user_profile_get_nts_expiry (const SdConfigValue *data);
void sd_config_user_profile_set_nts_expiry (SdConfigValue *data, gint64 seconds);

/* community message requests: -1 unset (the client's default), 0 or 1 */
gint sd_config_user_profile_get_blinded_msgreqs (const SdConfigValue *data);
void sd_config_user_profile_set_blinded_msgreqs (SdConfigValue *data, gint value);

G_END_DECLS
