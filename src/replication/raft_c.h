// replication/raft_c.h — libraft 0.15's C headers for C++: they declare no extern "C"
// themselves, so every C++ file includes libraft through here (the fixture test adds
// raft/fixture.h the same way).
#pragma once

#include <uv.h>

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}
