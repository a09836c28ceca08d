-- Files on the disk: write, append, read back by lines, numbers and
-- bytes, seek, rename, remove. Runs in the directory given as arg[1]
-- (the guest's /t, a temporary directory on the host).
local dir = arg[1] or "."
local name = dir .. "/lua-files.txt"
local f = assert(io.open(name, "w"))
for i = 1, 1000 do f:write(string.format("line %4d %s\n", i, string.rep("*", i % 13))) end
f:write(3.25, " ", 42, "\n")
assert(f:close())

f = assert(io.open(name, "a"))
f:write("appended\n")
f:close()

local n, total = 0, 0
for l in io.lines(name) do n = n + 1; total = total + #l end
print(n, total)

f = assert(io.open(name, "r"))
print(f:read("l"), f:read("L"), f:read(4))
print(f:seek("set", 0), f:read(9), f:seek("cur"), f:seek("end"))
f:seek("set", 0)
local all = f:read("a")
print(#all, select(2, all:gsub("\n", "")), f:read("a") == "", f:read("l"))
f:close()

f = assert(io.open(name, "r"))
for _ = 1, 1000 do f:read("l") end
print(f:read("n", "n"), f:read("l"), f:read("l"), f:read("l"))
f:close()

-- Binary bytes survive.
local bin = dir .. "/lua-bytes.bin"
f = assert(io.open(bin, "wb"))
local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local blob = string.rep(table.concat(bytes), 64)
f:write(blob)
f:close()
f = assert(io.open(bin, "rb"))
local back = f:read("a")
f:close()
print(#back, back == blob)

local moved = dir .. "/lua-moved.txt"
os.remove(moved)
print(os.rename(name, moved), io.open(name) == nil, io.open(moved) ~= nil)
print(os.remove(moved), os.remove(bin), select(2, os.remove(moved)) ~= nil)
print(io.type(io.stdout), io.type(f), io.type(42))
io.stdout:write("written to stdout ", 1, " ", 2.5, "\n")
print(os.getenv("NO_SUCH_VARIABLE_HERE"))
print("files ok")
