-- Strings: formatting, patterns, gsub with captures and functions, pack,
-- utf8. Prints what it computed; the test compares with the host's Lua.
local out = {}
local function say(...) print(...) end

say(string.format("%5d|%-5d|%05.1f|%x|%X|%o|%e|%g|%q", 42, 42, 3.14159, 255, 255, 8,
	12345.678, 0.0001, "a\nb\0c\"d"))
say(string.format("%.14g %.3f %g %g %a", 1 / 3, 2 / 3, 1e300 * 10, -(0 / 0) ~= -(0 / 0) and 1 or 0, 1.0))
say(("hello world from lua"):gsub("(%w+)", "<%1>"))
say(("abc=1, de=22, f=333"):gsub("(%w+)=(%w+)", "%2=%1"))
say(string.gsub("hello", "", "-"))
say(("x = $x, y = $y"):gsub("%$(%w+)", { x = "10", y = "20" }))
say(("one two three"):gsub("%w+", function(w) return w:upper() .. #w end))
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do say(k, v) end
say(string.find("the quick brown fox", "q(u)(i)ck"))
say(string.find("a.b.c", ".", 1, true), string.find("a+b", "+", 1, true))
say(string.match("  trim me  ", "^%s*(.-)%s*$") .. "|")
say(string.match("key: value", "(%a+):%s*(%a+)"))
say(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)"))
say(("%bxy"):len(), string.find("f(a(b)c)d", "%b()"))
say(string.find("THE (quick) fox", "%f[%a]%a+%f[%A]"))
say(string.rep("ab", 5, ","), string.rep("x", 0), ("abc"):rep(3))
say(("Hello"):byte(1, -1))
say(string.char(76, 117, 97))
say(("abcdef"):sub(2, 4), ("abcdef"):sub(-3), ("abcdef"):sub(5, 100), ("abcdef"):sub(0))
say(("MiXeD"):lower(), ("MiXeD"):upper(), ("abc"):reverse())
say(tostring(12), tostring(12.0), tostring(-0.0), tostring(1e15), tostring(1e16), tostring(2^63))
say(tonumber("0x10"), tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("777", 8), tonumber("nope"))
say(math.tointeger(3.0), math.tointeger(3.5), 7 // 2, 7.0 // 2, -7 // 2, 7 % -3, -7 % 3, 7.5 % 2)

local p = string.pack("<i4 >i2 z s1 d", -2, 513, "zero", "pfx", 2.5)
say(#p, (p:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
say(string.unpack("<i4 >i2 z s1 d", p))
say(string.packsize("i4 i8 d"), string.pack(">I3", 0x010203):byte(1, -1))

local u = "añ€😀"
say(utf8.len(u), #u, utf8.char(72, 228, 8364, 128512))
for pos, code in utf8.codes(u) do io.write(pos, ":", code, " ") end
print()
say(utf8.codepoint(u, 1, -1))
say(utf8.offset(u, 3), utf8.len("\xff"))

-- Long strings built piece by piece, then hashed by hand.
local parts = {}
for i = 1, 2000 do parts[#parts + 1] = string.format("%04d:%s;", i, string.rep(string.char(97 + i % 26), i % 7)) end
local s = table.concat(parts)
local h = 0
for i = 1, #s do h = (h * 31 + s:byte(i)) & 0xffffffff end
say(#s, h)
assert(select("#", string.byte(s, 1, 100)) == 100)
print("strings ok")
