/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Contacts, blinded contacts: "b" → base URL → {"#": server key, "R": {64 hex → {"n", "y",
 * "+", "j", …}}}, the same shape as the communities' "o" in UserGroups */
#define G_LOG_DOMAIN "SdConfigBlindedContacts"

#include "config.h"

#include "sd-config-blinded-contacts.h"

#include <string.h>

#include "sd-config-contacts.h"
#include "sd-config-fields.h"
#include "sd-config-server-dict.h"
#include "sd-protocol-error.h"

void
sd_config_blinded_contact_clear (SdConfigBlindedContact *contact)
{
  if (contact == NULL)
    return;
  g_free (contact->base_url);
  g_free (contact->name);
  memset (contact, 0, sizeof *contact);
}

static gboolean
is_lower_hex (const guint8 *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* "15" or "25" and 64 hex digits, in lower case into @out */
static gboolean
id_ok (const gchar *id, gchar out[67])
{
  g_autofree gchar *lower = NULL;

  if (id == NULL || strlen (id) != 66 || (id[0] != '1' && id[0] != '2') || id[1] != '5')
    return FALSE;
  lower = g_ascii_strdown (id, -1);
  if (!is_lower_hex ((const guint8 *) lower + 2, 64))
    return FALSE;
  memcpy (out, lower, 67);
  return TRUE;
}

static gboolean
url_ok (const gchar *base_url)
{
  return base_url != NULL && *base_url != '\0' &&
         strlen (base_url) <= SD_CONFIG_SERVER_URL_MAX && g_utf8_validate (base_url, -1, NULL);
}

static void
add_contact (const gchar *base_url, const guint8 pk[32], const guint8 *id, gsize id_len,
             const SdConfigValue *info, gpointer user_data)
{
  SdConfigBlindedContact c = { 0 };
  g_autofree gchar *name = NULL;

  if (id_len != 64 || !is_lower_hex (id, 64))
    return;
  name = sd_config_field_text (info, "n");
  if (name != NULL && (strlen (name) > SD_CONFIG_CONTACT_MAX_NAME ||
                       !g_utf8_validate (name, -1, NULL)))
    return;
  c.base_url = g_strdup (base_url);
  c.blinded_id[0] = sd_config_field_int (info, "y", 0) != 0 ? '1' : '2';
  c.blinded_id[1] = '5';
  memcpy (c.blinded_id + 2, id, 64);
  c.blinded_id[66] = '\0';
  memcpy (c.pubkey, pk, 32);
  c.name = name != NULL ? g_steal_pointer (&name) : g_strdup ("");
  c.priority = sd_config_field_int (info, "+", 0);
  c.created = MAX (sd_config_field_int (info, "j", 0), 0);
  g_array_append_val ((GArray *) user_data, c);
}

GArray *
sd_config_blinded_contacts_list (const SdConfigValue *data)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SdConfigBlindedContact));

  g_array_set_clear_func (out, (GDestroyNotify) sd_config_blinded_contact_clear);
  g_return_val_if_fail (data != NULL, out);

  sd_config_server_entries_foreach (data, "b", add_contact, out);
  return out;
}

gboolean
sd_config_blinded_contacts_set (SdConfigValue *data, const SdConfigBlindedContact *c,
                                GError **error)
{
  SdConfigValue *info;
  gchar id[67];
  g_autofree gchar *name = NULL;

  g_return_val_if_fail (data != NULL && c != NULL, FALSE);

  if (!url_ok (c->base_url)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "a community's URL does not fit a config entry");
    return FALSE;
  }
  if (!id_ok (c->blinded_id, id)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID,
                         "not a blinded id");
    return FALSE;
  }
  /* a long name is cut at a character boundary, as for contacts */
  name = g_strdup (c->name != NULL ? c->name : "");
  if (strlen (name) > SD_CONFIG_CONTACT_MAX_NAME) {
    const gchar *end = name + SD_CONFIG_CONTACT_MAX_NAME;

    while (end > name && (((guchar) *end) & 0xc0) == 0x80)
      end--;
    name[end - name] = '\0';
  }
  info = sd_config_server_entry_child (data, "b", c->base_url, c->pubkey,
                                       (const guint8 *) id + 2, 64);
  /* always present: it keeps the entry's dict from being empty */
  sd_config_field_set_text (info, "n", name);
  sd_config_field_set_flag (info, "y", id[0] == '1');
  sd_config_field_set_nonzero (info, "+", c->priority);
  sd_config_field_set_positive (info, "j", c->created);
  return TRUE;
}

gboolean
sd_config_blinded_contacts_remove (SdConfigValue *data, const gchar *base_url,
                                   const gchar *blinded_id)
{
  gchar id[67];

  g_return_val_if_fail (data != NULL, FALSE);

  return url_ok (base_url) && id_ok (blinded_id, id) &&
         sd_config_server_entry_remove (data, "b", base_url, (const guint8 *) id + 2, 64);
}
