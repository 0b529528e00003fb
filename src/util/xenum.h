/* Enumerations declared once, as a list of rows X(enumerator, "name", ...):
 * the enum and its name table are both made from the list, so an
 * enumerator added later cannot lack its name, nor a name drift to another
 * enumerator. A list is a macro taking X:
 *
 *   #define SK_COLOURS(X) X(SK_RED, "red") X(SK_BLUE, "blue")
 *   enum sk_colour { SK_COLOURS(SK_XENUM) SK_COLOUR_LAST };
 *   const char *const sk_colour_names[SK_COLOUR_LAST] = {SK_COLOURS(SK_XNAME)};
 *
 * Rows may carry more columns (a second text); SK_XNAME takes the first. */
#ifndef SKTOP_XENUM_H
#define SKTOP_XENUM_H

#define SK_XENUM(id, ...) id,
#define SK_XNAME(id, name, ...) [id] = name,

#endif
