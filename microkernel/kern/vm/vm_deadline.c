/* Request deadlines; see kern/vm/vm_request.h. */
#include "kern/vm/vm_request.h"

struct list vm_outstanding = LIST_INIT(vm_outstanding);
uint64_t vm_earliest_deadline = UINT64_MAX;

void vm_tick(uint64_t now)
{
	if (now < vm_earliest_deadline)
		return; /* the common tick: nothing due, no walk */
	/* Failing over changes the list: start over after each one. */
	for (bool again = true; again;) {
		again = false;
		vm_earliest_deadline = UINT64_MAX;
		list_for_each(pos, &vm_outstanding) {
			struct vm_request *req = list_entry(pos, struct vm_request, all_link);
			if (req->deadline <= now) {
				vmo_pager_failed(req->obj, "missed its deadline");
				again = true;
				break;
			}
			if (req->deadline < vm_earliest_deadline)
				vm_earliest_deadline = req->deadline;
		}
	}
}
