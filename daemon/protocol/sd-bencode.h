/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SD_BENCODE_INT,
  SD_BENCODE_BYTES,
  SD_BENCODE_LIST,
  SD_BENCODE_DICT,
} SdBencodeKind;

/* a decoded bencode value (immutable once built, reference counted) */
typedef struct _SdBencode SdBencode;

SdBencode *sd_bencode_new_int (gint64 value);
SdBencode *sd_bencode_new_bytes (const guint8 *data, gsize len);
SdBencode *sd_bencode_new_string (const gchar *text);
SdBencode *sd_bencode_new_list (void);
SdBencode *sd_bencode_new_dict (void);
/* takes ownership of @item */
void sd_bencode_list_append (SdBencode *list, SdBencode *item);
/* takes ownership of @value; keys are kept sorted as bencode requires */
void sd_bencode_dict_set (SdBencode *dict, const gchar *key, SdBencode *value);

SdBencode *sd_bencode_ref (SdBencode *value);
void sd_bencode_unref (SdBencode *value);

SdBencodeKind sd_bencode_kind (const SdBencode *value);
gint64 sd_bencode_get_int (const SdBencode *value);
const guint8 *sd_bencode_get_bytes (const SdBencode *value, gsize *len);
gsize sd_bencode_list_length (const SdBencode *list);
SdBencode *sd_bencode_list_get (const SdBencode *list, gsize index); /* (transfer none) */
SdBencode *sd_bencode_dict_get (const SdBencode *dict, const gchar *key); /* (transfer none) */

GBytes *sd_bencode_encode (const SdBencode *value) G_GNUC_WARN_UNUSED_RESULT;
/* the whole input must be one value; nesting is bounded */
SdBencode *sd_bencode_decode (const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdBencode, sd_bencode_unref)

G_END_DECLS
