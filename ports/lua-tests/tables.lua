-- Tables: constructors, length, insert/remove/move/sort/concat, metatables
-- (__index, __newindex, __call, __eq, __lt, __concat, __close), next.
local t = { 10, 20, 30, x = 1, [100] = "h" }
print(#t, t.x, t[100], t[4])
table.insert(t, 40); table.insert(t, 1, 5)
print(table.concat(t, ","), table.remove(t), table.remove(t, 1), table.concat(t, ","))
print(table.unpack(table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1)))
print(table.pack(1, nil, 3).n, select("#", table.unpack({ 1, 2, 3 }, 1, 5)))

-- Sorting: numbers, strings, a comparator, stability not assumed.
math.randomseed(42)
local nums = {}
for i = 1, 500 do nums[i] = math.random(1, 10000) end
table.sort(nums)
for i = 2, #nums do assert(nums[i - 1] <= nums[i]) end
print(nums[1], nums[250], nums[500])
local words = { "pear", "apple", "fig", "banana", "kiwi", "cherry", "date" }
table.sort(words)
print(table.concat(words, " "))
table.sort(words, function(a, b) return #a < #b or (#a == #b and a > b) end)
print(table.concat(words, " "))

-- Keys in a sorted order: pairs' order depends on the hash seed.
local count = {}
for w in ("the cat and the dog and the bird"):gmatch("%a+") do count[w] = (count[w] or 0) + 1 end
local keys = {}
for k in pairs(count) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", count[k], " ") end
print()

-- A class with inheritance through __index.
local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound) return setmetatable({ name = name, sound = sound }, Animal) end
function Animal:speak() return self.name .. " says " .. self.sound end
local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name, "woof"); return setmetatable(d, Dog) end
function Dog:fetch() return self.name .. " fetches" end
local d = Dog.new("rex")
print(d:speak(), d:fetch(), getmetatable(d) == Dog, rawget(d, "speak"))

-- Vectors with arithmetic and comparison metamethods.
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__mul = function(a, k) return vec(a.x * k, a.y * k) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x * a.x + a.y * a.y < b.x * b.x + b.y * b.y end
V.__le = function(a, b) return not (b < a) end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
V.__concat = function(a, b) return tostring(a) .. tostring(b) end
V.__len = function() return 2 end
V.__call = function(a, k) return a.x * k end
V.__unm = function(a) return vec(-a.x, -a.y) end
local a, b = vec(1, 2), vec(3, 4)
print(tostring(a + b), tostring(a * 3), a == vec(1, 2), a < b, b <= a, a .. b, #a, a(10), tostring(-a))

-- Read-only proxy and default values.
local log = {}
local proxy = setmetatable({}, {
	__index = function(_, k) log[#log + 1] = "get " .. k; return k .. "!" end,
	__newindex = function(_, k, v) log[#log + 1] = "set " .. k .. "=" .. tostring(v) end,
})
proxy.a = 1
local _ = proxy.b
print(table.concat(log, "; "), rawget(proxy, "a"))

-- to-be-closed variables run in reverse order, also on error.
local closed = {}
local function closer(n) return setmetatable({}, { __close = function() closed[#closed + 1] = n end }) end
do
	local x <close> = closer("x")
	local y <close> = closer("y")
end
print(pcall(function()
	local z <close> = closer("z")
	error("boom", 0)
end))
print(table.concat(closed, ","))

-- A big table grown and shrunk.
local big = {}
for i = 1, 100000 do big[i] = i * 2 end
local sum = 0
for i, v in ipairs(big) do sum = sum + v end
for i = #big, 50001, -1 do big[i] = nil end
print(#big, sum)
print("tables ok")
