#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static int same(const struct strmap *m, const char *a, const char *b)
{
    return m->ci ? ofd_strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static int rehash(struct strmap *m, size_t nslots)
{
    size_t *slot = calloc(nslots, sizeof(*slot)), k, s;

    if (!slot)
        return -1;
    /* Only the first entry of each key has a slot; the others hang off it. */
    for (s = 0; s < m->nslots; s++) {
        size_t e = m->slot[s];
        if (!e)
            continue;
        for (k = m->hash[e - 1] & (nslots - 1); slot[k]; k = (k + 1) & (nslots - 1))
            ;
        slot[k] = e;
    }
    free(m->slot);
    m->slot = slot;
    m->nslots = nslots;
    return 0;
}

static int grow(struct strmap *m, size_t need)
{
    size_t cap = m->cap ? m->cap : 16;
    const char **keys;
    unsigned long *hash;
    size_t *next;

    while (cap < need)
        cap *= 2;
    if (cap == m->cap)
        return 0;
    if (!(keys = realloc(m->keys, cap * sizeof(*keys))))
        return -1;
    m->keys = keys;
    if (!(hash = realloc(m->hash, cap * sizeof(*hash))))
        return -1;
    m->hash = hash;
    if (!(next = realloc(m->next, cap * sizeof(*next))))
        return -1;
    m->next = next;
    memset(m->next + m->cap, 0, (cap - m->cap) * sizeof(*next));
    m->cap = cap;
    return 0;
}

int strmap_init(struct strmap *m, size_t n, int case_insensitive)
{
    size_t nslots = 16;

    memset(m, 0, sizeof(*m));
    m->ci = case_insensitive;
    while (nslots < n * 2 + 2)
        nslots *= 2;
    if (!(m->slot = calloc(nslots, sizeof(*m->slot))) || grow(m, n + 1) != 0) {
        strmap_free(m);
        return -1;
    }
    m->nslots = nslots;
    return 0;
}

long strmap_put(struct strmap *m, const char *key, size_t i)
{
    unsigned long h = ofd_hash(key, m->ci);
    size_t k, e;

    if (i >= m->cap && grow(m, i + 1) != 0)
        return -1;
    m->keys[i] = key;
    m->hash[i] = h;
    m->next[i] = 0;
    for (k = h & (m->nslots - 1); m->slot[k]; k = (k + 1) & (m->nslots - 1)) {
        e = m->slot[k] - 1;
        if (m->hash[e] == h && same(m, m->keys[e], key)) {
            while (m->next[e])
                e = m->next[e] - 1;
            m->next[e] = i + 1;
            return (long)m->slot[k];
        }
    }
    m->slot[k] = i + 1;
    /* At most half full, so probes stay short. */
    if (++m->used * 2 > m->nslots && rehash(m, m->nslots * 2) != 0)
        return -1;
    return 0;
}

size_t strmap_get(const struct strmap *m, const char *key)
{
    unsigned long h;
    size_t k;

    if (!m->nslots)
        return 0;
    h = ofd_hash(key, m->ci);
    for (k = h & (m->nslots - 1); m->slot[k]; k = (k + 1) & (m->nslots - 1)) {
        size_t e = m->slot[k] - 1;
        if (m->hash[e] == h && same(m, m->keys[e], key))
            return m->slot[k];
    }
    return 0;
}

size_t strmap_next(const struct strmap *m, size_t e)
{
    return e ? m->next[e - 1] : 0;
}

void strmap_free(struct strmap *m)
{
    free(m->slot);
    free(m->keys);
    free(m->hash);
    free(m->next);
    memset(m, 0, sizeof(*m));
}
