// A JVM that collects garbage a known number of times (javagc's test): keeps ~25 MB of
// small objects alive so that each full collection has work, prints "ready PID", waits
// for a line on stdin, then calls System.gc() N times, 50 ms apart, and prints "done N".
// Run by the source launcher: java -Xlog:gc:file=LOG gc-calls.java N
class GcCalls {
  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    Object[] keep = new Object[200_000];
    for (int i = 0; i < keep.length; i++) keep[i] = new byte[64 + (i & 63)];
    System.out.println("ready " + ProcessHandle.current().pid());
    System.out.flush();
    System.in.read();
    for (int i = 0; i < n; i++) {
      System.gc();
      Thread.sleep(50);
    }
    System.out.println("done " + n + " " + keep.length);
  }
}
