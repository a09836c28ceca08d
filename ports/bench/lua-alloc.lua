-- A workload for the paging experiments (scripts/ports-bench): a Lua
-- table of MIB MiB (arg[1], default 24; 16 bytes an entry) filled, then
-- rewritten PASSES times (arg[2], default 2), forward and backward in
-- turn, and checked at the end; prints a checksum, exits 1 on a mismatch.
-- Under a resident-set limit below MIB its pages go to swap and come
-- back. One big array (grown by doubling) rather than many small
-- objects: each malloc'd mapping is a memory object of the swap pager.
local mib = tonumber(arg[1]) or 24
local passes = tonumber(arg[2]) or 2
local n = mib * 65536
local function step(v, pass) return (v * 31 + pass) % 2147483647 end

local t = {}
for i = 1, n do t[i] = i end
for pass = 1, passes do
	local from, to, by = 1, n, 1
	if pass % 2 == 0 then from, to, by = n, 1, -1 end
	for i = from, to, by do t[i] = step(t[i], pass) end
end

local sum, bad = 0, 0
for i = 1, n do
	local v = i
	for pass = 1, passes do v = step(v, pass) end
	if t[i] ~= v then bad = bad + 1 end
	sum = (sum + v) % 1000000007
end
print(string.format("lua-alloc: %d MiB, %d passes, checksum %d, %d bad", mib, passes, sum, bad))
os.exit(bad == 0 and 0 or 1)
