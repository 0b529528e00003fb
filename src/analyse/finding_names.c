/* The names findings go by in JSON, the text report and the TUI: each is a
 * contract, so they live in one place that the writer and the replay reader
 * share, apart from the rules that use them. */
#include <config.h>

#include "analyse/findings.h"

const char *const sk_severity_names[SK_SEV_LAST] = {"info", "warning", "critical"};

const char *const sk_evidence_names[SK_EV_LAST] = {SK_EVIDENCE_NAMES(SK_XNAME)};

const char *const sk_finding_kind_names[SK_FIND_LAST] = {SK_FINDING_KINDS(SK_XNAME)};

const char *const sk_subject_names[SK_SUBJ_LAST] = {"system", "process", "listener",
						     "destination"};
