/* parse-2015.h: the 2015 two-file format (runc v0.0.5, specs 0.1.0/0.2.0),
   converted into today's config.json tree so that oci-parse has one
   reader and no other stage ever knows 2015 existed. */
#ifndef PARSE_2015_H
#define PARSE_2015_H

#include <cjson/cJSON.h>

/* Is this config.json of the 2015 format ("version" 0.x, no ociVersion)? */
int legacy_detect(const cJSON *cfg);
/* Convert config.json + runtime.json (both parsed) into a modern tree.
   Dies with 100 naming the file and the field. */
cJSON *legacy_convert(const cJSON *cfg, const cJSON *rt);

#endif
