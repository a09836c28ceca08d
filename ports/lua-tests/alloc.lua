-- Allocation and the collector: many short-lived tables and strings,
-- a weak table emptied by a full collection, finalizers run.
local live = {}
for round = 1, 20 do
	local t = {}
	for i = 1, 5000 do t[i] = { i, tostring(i) .. "-" .. round } end
	live[round % 4] = t
end
local sum = 0
for _, t in pairs(live) do sum = sum + #t end
print(sum)

local weak = setmetatable({}, { __mode = "k" })
for i = 1, 100 do weak[{}] = i end
collectgarbage()
collectgarbage()
local left = 0
for _ in pairs(weak) do left = left + 1 end
print(left)

local finalized = 0
for i = 1, 50 do setmetatable({}, { __gc = function() finalized = finalized + 1 end }) end
collectgarbage()
print(finalized)

collectgarbage("generational")
local s = ""
for i = 1, 300 do s = s .. string.char(65 + i % 26) end
collectgarbage("incremental")
print(#s, s:sub(1, 30), collectgarbage("count") > 0, collectgarbage("isrunning"))
print("alloc ok")
