/**
 * Burns CPU in spinInHotMethod until standard input closes. The first argument, when given, is how
 * many times to call System.gc() before starting (a known count of full collections). Prints its pid
 * and then a ready line once the hot method is compiled.
 */
public class JavaHotLoop {
    static long spinInHotMethod(long n) {
        long s = 0;
        for (long i = 0; i < n; i++) {
            s += (i * 31) ^ (s >>> 3);
        }
        return s;
    }

    public static void main(String[] args) throws Exception {
        int collections = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        for (int i = 0; i < collections; i++) {
            System.gc();
        }

        long total = 0;
        for (int i = 0; i < 2000; i++) {
            total += spinInHotMethod(100_000);
        }

        System.out.println("pid " + ProcessHandle.current().pid());
        System.out.println("ready");
        System.out.flush();

        // Standard input closing ends the run, so a test never leaves a spinner behind.
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                }
            } catch (Exception e) {
            }
            System.exit(0);
        });
        watcher.setDaemon(true);
        watcher.start();
        while (true) {
            total += spinInHotMethod(10_000_000);
            if (total == 42) {
                System.out.println(total);
            }
        }
    }
}
