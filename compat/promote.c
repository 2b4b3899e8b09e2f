/*
 * promote.c - the table behind promote.h.
 */
#include "compat/promote.h"

#define BIT(t) (1u << (t))

const uint16_t sr_promotions[SR_FIXED + 1] = {
    [SR_LONG] = BIT(SR_INT),
    [SR_FLOAT] = BIT(SR_INT) | BIT(SR_LONG),
    [SR_DOUBLE] = BIT(SR_INT) | BIT(SR_LONG) | BIT(SR_FLOAT),
    [SR_BYTES] = BIT(SR_STRING),
    [SR_STRING] = BIT(SR_BYTES),
};
