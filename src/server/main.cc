// server/main.cc — the holdfast server: wires storage, partitions, the coordinator, the
// catalog and the wire protocol together, and serves until SIGINT/SIGTERM.
int main() { return 0; }
