/*
 * fuzzleaf: what the system call fuzzer's children may spawn. It ends at
 * once, whatever argv and handles it was given, so a spawn the fuzzer
 * makes can never leave a task running.
 */
int main(void)
{
	return 0;
}
