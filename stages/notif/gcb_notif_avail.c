/*
 * Which topic families the WebSocket can carry (GENESYS.md C): GET
 * /api/v2/notifications/availabletopics lists every family
 * ("v2.users.{id}.activity") with its transports (All, Websocket,
 * EventBridge, ProcessAutomation) and the permissions it requires. Whether a
 * family is delivered over WebSocket at all is known only from there, so a
 * configured family it does not list for WebSocket is refused at startup,
 * with a message saying so, rather than subscribed and silently never heard.
 *
 * The listing is a check, not a dependency: when it cannot be read the
 * subscription answers still say what is refused, so startup goes on.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "lib/gcb_log.h"

#define FAMILY_MAX 512

/* 1 when s[0..len) is a placeholder "{…}" or a uuid: an id segment. */
static int id_segment(const char *s, size_t len)
{
	if (len >= 2 && s[0] == '{' && s[len - 1] == '}')
		return 1;
	if (len != 36)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-'
			 : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
			     (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return 1;
}

/*
 * The family of topic t (len bytes) as availabletopics names it: every id
 * segment becomes "{id}". -ENAMETOOLONG when it does not fit.
 */
int gcb_notif_avail_family(const char *t, size_t len, char *out, size_t size)
{
	size_t k = 0;

	for (size_t i = 0; i < len;) {
		size_t l = 0, wl;
		const char *seg = t + i;

		while (i + l < len && t[i + l] != '.')
			l++;
		wl = l;
		if (id_segment(seg, l)) {
			seg = "{id}";
			wl = 4;
		}
		if (k + wl + 2 > size)
			return -ENAMETOOLONG;
		memcpy(out + k, seg, wl);
		k += wl;
		i += l;
		if (i < len) {
			out[k++] = '.';
			i++;
		}
	}
	out[k] = '\0';
	return 0;
}

static const cJSON *find_family(const cJSON *ents, const char *family)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, ents)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");

		if (cJSON_IsString(id) && strcmp(id->valuestring, family) == 0)
			return e;
	}
	return NULL;
}

static int carried(const cJSON *transports)
{
	const cJSON *t;

	if (!cJSON_IsArray(transports) || cJSON_GetArraySize(transports) == 0)
		return 1; /* not stated: the subscription answer decides */
	cJSON_ArrayForEach(t, transports)
	{
		if (cJSON_IsString(t) && (strcasecmp(t->valuestring, "All") == 0 ||
					  strcasecmp(t->valuestring, "Websocket") == 0))
			return 1;
	}
	return 0;
}

/* One family of the configured templates. -EINVAL when the WebSocket cannot carry it. */
static int check_family(const cJSON *ents, const char *family, const char *tmpl)
{
	const cJSON *e = find_family(ents, family), *tr, *t;
	char list[256] = "";
	size_t k = 0;

	if (e == NULL) {
		gcb_log_warn("genesys.notifications.topics: %s (family %s) is not listed by "
			     "GET notifications/availabletopics; the subscription answer will tell",
			     tmpl, family);
		return 0;
	}
	tr = cJSON_GetObjectItemCaseSensitive(e, "transports");
	if (carried(tr))
		return 0;
	cJSON_ArrayForEach(t, tr)
	{
		if (cJSON_IsString(t) && k < sizeof(list))
			k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", k ? ", " : "",
					      t->valuestring);
	}
	gcb_log_error("genesys.notifications.topics: %s: Genesys Cloud does not deliver the "
		      "topic family %s over WebSocket (its transports: %s); remove it from the "
		      "configuration (such topics reach only the transports listed)",
		      tmpl, family, list);
	return -EINVAL;
}

/* Checks one template, each part of a combined topic on its own. */
static int check_template(const cJSON *ents, const char *tmpl)
{
	char family[FAMILY_MAX], one[FAMILY_MAX];
	const char *q = strchr(tmpl, '?');
	int rc = 0;

	if (q == NULL) {
		if (gcb_notif_avail_family(tmpl, strlen(tmpl), family, sizeof(family)) != 0)
			return 0;
		return check_family(ents, family, tmpl);
	}
	for (const char *p = q + 1, *amp; *p && rc == 0; p = *amp ? amp + 1 : amp) {
		int n;

		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		n = snprintf(one, sizeof(one), "%.*s.%.*s", (int)(q - tmpl), tmpl, (int)(amp - p),
			     p);
		if (n < 0 || (size_t)n >= sizeof(one) ||
		    gcb_notif_avail_family(one, (size_t)n, family, sizeof(family)) != 0)
			continue;
		rc = check_family(ents, family, tmpl);
	}
	return rc;
}

int gcb_notif_avail_check(gcb_notif_t *n)
{
	const gcb_http_resp_t *r = &n->src.api_http.resp;
	const cJSON *ents;
	cJSON *o;
	int rc, bad = 0;

	rc = gcb_notif_rest(n, "GET",
			    "/api/v2/notifications/availabletopics?expand=transports,"
			    "requiresPermissions",
			    NULL, 0);
	if (rc == -ECANCELED)
		return rc;
	if (rc != 0 || r->status != 200) {
		if (rc == 0)
			gcb_source_log_answer(&n->src, "GET notifications/availabletopics");
		gcb_log_warn("the WebSocket transport of the configured topics is not checked: "
			     "availabletopics unavailable");
		return 0;
	}
	o = cJSON_ParseWithLength(r->body, r->body_len);
	ents = cJSON_GetObjectItemCaseSensitive(o, "entities");
	if (!cJSON_IsArray(ents)) {
		gcb_log_warn("GET notifications/availabletopics: answer without an entities array "
			     "(correlation_id=%s): the topics' transports are not checked",
			     r->correlation_id);
		cJSON_Delete(o);
		return 0;
	}
	for (unsigned i = 0; i < n->tmpl.n; i++)
		if (check_template(ents, n->tmpl.v[i]) != 0)
			bad++;
	cJSON_Delete(o);
	return bad ? -EINVAL : 0;
}
