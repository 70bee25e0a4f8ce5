/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#define __SESSIOND_H_INSIDE__

#include "sessiond-error.h"
#include "sessiond-reaction.h"
#include "sessiond-message.h"
#include "sessiond-conversation.h"
#include "sessiond-client.h"

#undef __SESSIOND_H_INSIDE__
