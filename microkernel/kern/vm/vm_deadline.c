/* Request and rebind deadlines; see kern/vm/vm_request.h. */
#include "kern/vm/vm_request.h"

#include "kern/log.h"
#include "kern/vm/vm_reclaim.h"
#include "uapi/errors.h"

uint64_t vm_earliest_deadline = UINT64_MAX;

/* A request's pager is late: the object goes to its fallback if it has
 * one (the pager is taken to hang); else that request alone fails. */
static void request_missed(struct vm_request *req)
{
	struct vm_object *o = req->obj;
	if (o->fallback && !o->fallback->dead) {
		vmo_pager_failed(o, "missed a deadline");
		return;
	}
	klog("vm: object %lu page %lu: the pager missed the deadline; that fault fails\n",
	     (unsigned long)o->id, (unsigned long)req->page);
	vm_request_fail(req, -E_TIMEOUT);
}

/* The first thing due by now, or NULL; sets vm_earliest_deadline to the
 * earliest of the rest. A rebinding object's requests wait for the rebind
 * (their deadlines start again when it completes). */
static void *first_due(uint64_t now, bool *is_rebind)
{
	vm_earliest_deadline = UINT64_MAX;
	list_for_each(pos, &vm_rebinding) {
		struct vm_object *o = list_entry(pos, struct vm_object, rebind_link);
		if (o->rebind_deadline <= now) {
			*is_rebind = true;
			return o;
		}
		if (o->rebind_deadline < vm_earliest_deadline)
			vm_earliest_deadline = o->rebind_deadline;
	}
	/* The requests, object by object: a walk only when something is due
	 * (no global list for the fault path to keep). */
	list_for_each(opos, &vm_all_objects) {
		struct vm_object *o = list_entry(opos, struct vm_object, all_link);
		if (o->rebind_to)
			continue;
		vmo_for_each_request(req, o) {
			if (req->deadline <= now) {
				*is_rebind = false;
				return req;
			}
			if (req->deadline < vm_earliest_deadline)
				vm_earliest_deadline = req->deadline;
		}
	}
	return 0;
}

void vm_tick(uint64_t now)
{
	vm_reclaim_tick(now);
	if (now < vm_earliest_deadline)
		return; /* the common tick: nothing due, no walk */
	/* Each ending changes the lists: start over after each one. */
	bool is_rebind;
	for (void *due; (due = first_due(now, &is_rebind));) {
		if (is_rebind)
			vm_rebind_finish(due, "did not finish its RELEASE in time");
		else
			request_missed(due);
	}
}
