namespace SystemScope.Symbols.Tests.Support;

/// <summary>C programs the tests compile: each prints "name 0xADDRESS" lines for its functions, then "ready", then waits on stdin.</summary>
internal static class CSources
{
    /// <summary>A shared library; it prints its own function's address, so non-PIE callers do not get a PLT stub.</summary>
    public const string Library = """
        #include <stdio.h>

        __attribute__((noinline)) int lib_compute(int x)
        {
            int s = 7;
            for (int i = 0; i < x; i++) s += i * x;
            return s;
        }

        void lib_report(void)
        {
            printf("lib_compute %p\n", (void *)&lib_compute);
        }
        """;

    /// <summary>
    /// The main program. Functions stay in source order (-fno-toplevel-reorder), so that
    /// ends_in_call, whose last instruction is a call, is directly followed by after_call.
    /// </summary>
    public const string Program = """
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>

        int lib_compute(int x);
        void lib_report(void);

        __attribute__((noreturn, noinline)) void never_returns(void) { for (;;) pause(); }
        __attribute__((noinline)) void ends_in_call(void) { never_returns(); }
        __attribute__((noinline)) int after_call(int x) { return x + 1; }

        __attribute__((noinline)) int work_alpha(int x)
        {
            int s = 0;
            for (int i = 0; i < x; i++) s += i * 3;
            return s;
        }

        __attribute__((noinline)) static int work_beta(int x)
        {
            int s = 1;
            for (int i = 0; i < x; i++) s ^= i << 1;
            return s;
        }

        int main(void)
        {
            volatile int sink = work_alpha(3) + work_beta(4) + lib_compute(5) + after_call(1);
            (void)sink;
            printf("work_alpha %p\n", (void *)&work_alpha);
            printf("work_beta %p\n", (void *)&work_beta);
            printf("after_call %p\n", (void *)&after_call);
            printf("ends_in_call %p\n", (void *)&ends_in_call);
            lib_report();
            printf("ready\n");
            fflush(stdout);
            char buffer[64];
            while (read(0, buffer, sizeof buffer) > 0) {}
            return 0;
        }
        """;

    /// <summary>A different program, to replace the first one's file while it runs.</summary>
    public const string Other = """
        #include <stdio.h>
        #include <unistd.h>

        __attribute__((noinline)) int other_one(int x) { return x * 11; }
        __attribute__((noinline)) int other_two(int x) { return x * 13; }
        __attribute__((noinline)) int other_three(int x) { return x * 17; }
        __attribute__((noinline)) int other_four(int x) { return x * 19; }

        int main(void)
        {
            printf("ready %d\n", other_one(1) + other_two(2) + other_three(3) + other_four(4));
            fflush(stdout);
            char buffer[64];
            while (read(0, buffer, sizeof buffer) > 0) {}
            return 0;
        }
        """;

    /// <summary>A plugin loaded with dlopen after the process started.</summary>
    public const string Plugin = """
        __attribute__((noinline)) int plugin_entry(int x)
        {
            int s = 3;
            for (int i = 0; i < x; i++) s = s * 5 + i;
            return s;
        }
        """;

    /// <summary>
    /// Loads the plugin when asked ("load PATH" on stdin), maps any file executable ("map PATH"), and
    /// has an anonymous executable region standing in for JIT code (its perf map is written by the test).
    /// </summary>
    public const string Loader = """
        #include <dlfcn.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/mman.h>

        int main(void)
        {
            void *region = mmap(NULL, 65536, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (region == MAP_FAILED) { perror("mmap"); return 1; }
            printf("jit_region %p\n", region);
            printf("ready\n");
            fflush(stdout);
            char line[4096];
            while (fgets(line, sizeof line, stdin)) {
                line[strcspn(line, "\n")] = 0;
                if (strncmp(line, "load ", 5) == 0) {
                    void *handle = dlopen(line + 5, RTLD_NOW);
                    if (!handle) { printf("error %s\n", dlerror()); fflush(stdout); continue; }
                    printf("plugin_entry %p\n", dlsym(handle, "plugin_entry"));
                    printf("loaded\n");
                    fflush(stdout);
                } else if (strncmp(line, "map ", 4) == 0) {
                    int fd = open(line + 4, O_RDONLY);
                    void *file = fd < 0 ? MAP_FAILED : mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
                    if (file == MAP_FAILED) { printf("error map\n"); fflush(stdout); continue; }
                    printf("mapped_file %p\n", file);
                    printf("mapped\n");
                    fflush(stdout);
                }
            }
            return 0;
        }
        """;

    /// <summary>
    /// Spins in clock_gettime, which runs in the vDSO without entering the kernel, while a profiling
    /// signal samples where it is: prints the vDSO's base and up to 256 instruction pointers caught in it.
    /// </summary>
    public const string VdsoSpinner = """
        #define _GNU_SOURCE
        #include <signal.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/auxv.h>
        #include <sys/time.h>
        #include <time.h>
        #include <ucontext.h>
        #include <unistd.h>

        #define SAMPLES 256
        static unsigned long vdso_base;
        static unsigned long samples[SAMPLES];
        static volatile int taken;

        static void on_profile(int signal, siginfo_t *info, void *context)
        {
            unsigned long ip = (unsigned long)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
            (void)signal; (void)info;
            if (taken < SAMPLES && ip >= vdso_base && ip < vdso_base + 0x10000) samples[taken++] = ip;
        }

        int main(void)
        {
            vdso_base = getauxval(AT_SYSINFO_EHDR);
            struct sigaction action;
            memset(&action, 0, sizeof action);
            action.sa_sigaction = on_profile;
            action.sa_flags = SA_SIGINFO | SA_RESTART;
            sigaction(SIGPROF, &action, NULL);
            struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
            setitimer(ITIMER_PROF, &every_ms, NULL);
            struct timespec now, start;
            clock_gettime(CLOCK_MONOTONIC, &start);
            do clock_gettime(CLOCK_MONOTONIC, &now); while (taken < SAMPLES && now.tv_sec - start.tv_sec < 20);
            struct itimerval off = { { 0, 0 }, { 0, 0 } };
            setitimer(ITIMER_PROF, &off, NULL);
            printf("vdso_base %p\n", (void *)vdso_base);
            for (int i = 0; i < taken; i++) printf("vdso_ip_%d %p\n", i, (void *)samples[i]);
            printf("ready\n");
            fflush(stdout);
            char buffer[64];
            while (read(0, buffer, sizeof buffer) > 0) {}
            return 0;
        }
        """;

    /// <summary>
    /// Loads a two-instruction BPF program named by its argument when told ("load" on stdin) and keeps
    /// it loaded until stdin closes: the kernel lists it in kallsyms as bpf_prog_TAG_NAME.
    /// </summary>
    public const string BpfLoader = """
        #include <linux/bpf.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        int main(int argc, char **argv)
        {
            if (argc < 2) return 2;
            printf("ready\n");
            fflush(stdout);
            char line[64];
            if (!fgets(line, sizeof line, stdin)) return 0;
            struct bpf_insn instructions[2];
            memset(instructions, 0, sizeof instructions);
            instructions[0].code = BPF_ALU64 | BPF_MOV | BPF_K; /* r0 = 0 */
            instructions[1].code = BPF_JMP | BPF_EXIT;
            union bpf_attr attr;
            memset(&attr, 0, sizeof attr);
            attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
            attr.insns = (unsigned long)instructions;
            attr.insn_cnt = 2;
            attr.license = (unsigned long)"GPL";
            strncpy(attr.prog_name, argv[1], sizeof attr.prog_name - 1);
            int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
            if (fd < 0) { perror("BPF_PROG_LOAD"); printf("error\n"); fflush(stdout); return 1; }
            printf("loaded\n");
            fflush(stdout);
            while (fgets(line, sizeof line, stdin)) {}
            return 0;
        }
        """;
}
