/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Contacts, blinded contacts: "b" → base URL → {"#": server key, "R": {64 hex → {"n", "y",
 * "+", "j", …}}}, the same shape as the communities' "o" in UserGroups */
#define G_LOG_DOMAIN "SdConfigBlindedContacts"

#include "config.h"

#include "sd-config-blinded-contacts.h"

#include <string.h>

#include "sd-config-communities.h"
#include "sd-config-contacts.h"
#include "sd-config-fields.h"
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
         strlen (base_url) <= SD_CONFIG_COMMUNITY_URL_MAX && g_utf8_validate (base_url, -1, NULL);
}

GArray *
sd_config_blinded_contacts_list (const SdConfigValue *data)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SdConfigBlindedContact));
  const SdConfigValue *all;

  g_array_set_clear_func (out, (GDestroyNotify) sd_config_blinded_contact_clear);
  g_return_val_if_fail (data != NULL, out);

  all = sd_config_value_dict_get (data, "b");
  if (all == NULL || sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT)
    return out;
  for (guint i = 0; i < sd_config_value_length (all); i++) {
    gsize len, pk_len = 0;
    const guint8 *key = sd_config_value_dict_key (all, i, &len);
    const SdConfigValue *server = sd_config_value_dict_value (all, i);
    const SdConfigValue *people;
    const guint8 *pk;

    if (len == 0 || len > SD_CONFIG_COMMUNITY_URL_MAX || memchr (key, 0, len) != NULL ||
        !g_utf8_validate ((const gchar *) key, (gssize) len, NULL) ||
        sd_config_value_kind (server) != SD_CONFIG_VALUE_DICT ||
        (pk = sd_config_field_bytes (server, "#", &pk_len)) == NULL || pk_len != 32 ||
        (people = sd_config_value_dict_get (server, "R")) == NULL ||
        sd_config_value_kind (people) != SD_CONFIG_VALUE_DICT)
      continue;
    for (guint j = 0; j < sd_config_value_length (people); j++) {
      gsize id_len;
      const guint8 *id = sd_config_value_dict_key (people, j, &id_len);
      const SdConfigValue *info = sd_config_value_dict_value (people, j);
      SdConfigBlindedContact c = { 0 };
      g_autofree gchar *name = NULL;

      if (id_len != 64 || !is_lower_hex (id, 64) ||
          sd_config_value_kind (info) != SD_CONFIG_VALUE_DICT)
        continue;
      name = sd_config_field_text (info, "n");
      if (name != NULL && (strlen (name) > SD_CONFIG_CONTACT_MAX_NAME ||
                           !g_utf8_validate (name, -1, NULL)))
        continue;
      c.base_url = g_strndup ((const gchar *) key, len);
      c.blinded_id[0] = sd_config_field_int (info, "y", 0) != 0 ? '1' : '2';
      c.blinded_id[1] = '5';
      memcpy (c.blinded_id + 2, id, 64);
      c.blinded_id[66] = '\0';
      memcpy (c.pubkey, pk, 32);
      c.name = name != NULL ? g_steal_pointer (&name) : g_strdup ("");
      c.priority = sd_config_field_int (info, "+", 0);
      c.created = MAX (sd_config_field_int (info, "j", 0), 0);
      g_array_append_val (out, c);
    }
  }
  return out;
}

gboolean
sd_config_blinded_contacts_set (SdConfigValue *data, const SdConfigBlindedContact *c,
                                GError **error)
{
  SdConfigValue *all, *server, *people, *info;
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
  all = sd_config_value_dict_child (data, (const guint8 *) "b", 1);
  server = sd_config_value_dict_child (all, (const guint8 *) c->base_url, strlen (c->base_url));
  sd_config_value_dict_set_text (server, "#", sd_config_value_new_string (c->pubkey, 32));
  people = sd_config_value_dict_child (server, (const guint8 *) "R", 1);
  info = sd_config_value_dict_child (people, (const guint8 *) id + 2, 64);
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
  SdConfigValue *all, *server, *people;
  gchar id[67];

  g_return_val_if_fail (data != NULL, FALSE);

  if (!url_ok (base_url) || !id_ok (blinded_id, id) ||
      (all = sd_config_value_dict_get (data, "b")) == NULL ||
      sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT ||
      (server = sd_config_value_dict_lookup (all, (const guint8 *) base_url,
                                             strlen (base_url))) == NULL ||
      sd_config_value_kind (server) != SD_CONFIG_VALUE_DICT ||
      (people = sd_config_value_dict_get (server, "R")) == NULL ||
      sd_config_value_kind (people) != SD_CONFIG_VALUE_DICT)
    return FALSE;
  if (!sd_config_value_dict_remove (people, (const guint8 *) id + 2, 64))
    return FALSE;
  if (sd_config_value_length (people) == 0)
    sd_config_value_dict_remove (all, (const guint8 *) base_url, strlen (base_url));
  return TRUE;
}
