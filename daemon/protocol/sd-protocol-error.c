/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-protocol-error.h"

G_DEFINE_QUARK (sd-protocol-error-quark, sd_protocol_error)
