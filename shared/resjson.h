/* resjson.h: a runtime-spec LinuxResources object (config.json's
   linux.resources, runc update -r) to cgroup.* records: the one converter
   oci-parse and oci-update share. Only what asks for something becomes a
   record, as runc reads it: a zero limit, weight or rate is "not set".
   Errors name the field ("config.json: linux.resources.cpu.shares: ...")
   and die 100 (json_die); the caller sets json_file. */
#ifndef RESJSON_H
#define RESJSON_H

#include "json.h"
#include "spec.h"

enum { RESJSON_DEVICES = 1 }; /* read the devices list too (create only) */

/* Append the records of r (a LinuxResources object, or NULL) to w; path
   is r's place in its file ("linux.resources", or "" for update -r). */
void resjson_records(const cJSON *r, const char *path, int flags, struct specw *w);

#endif
