/* strmap: the one hash index of the tree, strings to the caller's entry numbers, by
 * open addressing. Keys are the caller's (kept by pointer, not copied) and compare with
 * or without regard to ASCII case, chosen at init. Entries with equal keys chain in the
 * order they were added, so one table serves as a set (the first entry of a key) and as
 * a multimap (follow strmap_next). It grows as entries are added. */
#ifndef OCSFED_STRMAP_H
#define OCSFED_STRMAP_H

#include <stddef.h>

struct strmap {
    size_t *slot; /* first entry of a key + 1, 0 empty; nslots, a power of two */
    size_t nslots;
    const char **keys;   /* by entry */
    unsigned long *hash; /* by entry */
    size_t *next;        /* by entry: the next entry with an equal key + 1, 0 last */
    size_t cap;          /* entries the arrays hold */
    size_t used;         /* distinct keys */
    int ci;              /* 1: keys compare without regard to ASCII case */
};

/* An empty index for about n entries. Returns 0, or -1 out of memory. */
int strmap_init(struct strmap *m, size_t n, int case_insensitive);

/* Adds entry i (any number; the arrays grow to it) under key. Returns the first entry
 * with an equal key + 1 when there was one (entry i is chained after it), 0 when the
 * key is new, -1 out of memory. */
long strmap_put(struct strmap *m, const char *key, size_t i);

/* The first entry under key + 1, or 0 when there is none; then strmap_next. */
size_t strmap_get(const struct strmap *m, const char *key);
/* The entry after e (an entry + 1, as strmap_get returns) with the same key, + 1; 0 last. */
size_t strmap_next(const struct strmap *m, size_t e);

void strmap_free(struct strmap *m);

#endif
