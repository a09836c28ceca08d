-- Functions and control: closures, varargs, recursion, goto, integer and
-- float arithmetic, coroutines, errors with pcall/xpcall/error objects.
local function counter()
	local n = 0
	return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
c1(); c1()
print(c1(), c2())

local function va(...) return select("#", ...), select(2, ...) end
print(va(1, nil, 3))
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
-- A tail call in a loop of 100000: no stack growth.
local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + n) end
print(loop(100000, 0))

for i = 1, 3 do
	for j = 1, 3 do
		if j == 2 then goto continue end
		io.write(i, j, " ")
		::continue::
	end
end
print()

print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
print(1 << 62, 1 << 63, 1 << 64, -1 >> 1, 5 & 3, 5 | 3, 5 ~ 3, ~0)
print(3 / 2, 3 // 2, 3.0 // 2, 2 ^ 10, 10 % 3, -10 % 3, 1e308 * 10, math.huge // 1)
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-7), math.max(3, 9, 1), math.min(3, 9, 1))
print(string.format("%.10f %.10f %.10f", math.sqrt(2), math.sin(1), math.log(10)))
print(string.format("%.10f %.10f", math.exp(1), math.atan(1, 2)), math.fmod(7, 3), math.type(1), math.type(1.0), math.type("1"))
-- (Messages lose their "file:line:" prefix: the script's path differs.)
local function msg(ok, m) return ok, (tostring(m):gsub("^[^:]*:%d+: ", "")) end
print(8 // 0.0, -8 // 0.0, msg(pcall(function() return 1 // 0 end)))
print(math.ult(1, -1), 0x7fffffffffffffff, 0xffffffffffffffff, 1e100 == 1e100)
math.randomseed(7)
print(math.random(100), math.random(100), math.random(1, 6), math.random(0) ~= nil)

-- Coroutines: generators, passing values both ways, wrap, status.
local gen = coroutine.wrap(function()
	for i = 1, 5 do coroutine.yield(i * i) end
	return "done"
end)
print(gen(), gen(), gen(), gen(), gen(), gen())
local co = coroutine.create(function(a, b)
	local c = coroutine.yield(a + b)
	local d, e = coroutine.yield(c * 2)
	return d + e
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
local producer = coroutine.create(function()
	for _, w in ipairs({ "alpha", "beta", "gamma" }) do coroutine.yield(w) end
end)
local got = {}
while true do
	local ok, w = coroutine.resume(producer)
	if not w then break end
	got[#got + 1] = w
end
print(table.concat(got, "+"), coroutine.isyieldable(), coroutine.running() ~= nil)
local co2 = coroutine.create(function() error({ code = 7 }) end)
local ok, e = coroutine.resume(co2)
print(ok, type(e), e.code, coroutine.status(co2))
local co3 = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co3)
print(coroutine.close(co3), coroutine.status(co3))

-- Errors.
print(pcall(error, "msg", 0))
print(type(select(2, pcall(error, { 1, 2 }))))
print(select(2, pcall(function() local x = nil; return x.y end)):match("attempt to index a nil value") ~= nil)
print(select(2, pcall(function() return 1 + {} end)):match("arithmetic") ~= nil)
print(xpcall(function() error("deep", 0) end, function(m) return "handled " .. m end))
print(pcall(string.rep))
print(select(2, pcall(string.format, "%d", 1.5)))
local ok2, tb = xpcall(function() error("x") end, debug.traceback)
print(msg(ok2, tb:match("^[^\n]+")), tb:find("stack traceback", 1, true) ~= nil)
print(select(2, load("return +")))
print(load("return 1 + 2")(), load("local a, b = ... return a * b")(6, 7))
local env = { y = 5 }
print(load("return y", "chunk", "t", env)())
print(string.dump(fib) ~= nil, type(load(string.dump(fib))))
print("control ok")
