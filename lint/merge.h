/* merge: `hardenkit lint merge SHARD.json…`: the documents of `lint --shard I/N` runs joined
 * into the one an unsharded run writes (JSON, SARIF, TAP or text), byte for byte. */
#ifndef HK_LINT_MERGE_H
#define HK_LINT_MERGE_H

/* Exit status as lint's, recomputed from the joined document: 2 when a shard is missing,
 * repeated or from another run, or a document cannot be read. */
int lint_merge(int argc, char **argv);

#endif
