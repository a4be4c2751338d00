package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.MalformedURLException;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.util.FlinkUserCodeClassLoaders;

/**
 * The class loader a TaskManager gives one attempt of a submitted job: Flink's child-first
 * user-code class loader over the job's jar (here the test class path, as a fat jar would hold
 * etlkit, HikariCP and the PostgreSQL driver), with Flink's default parent-first patterns, behind
 * Flink's leak safety net. {@link #run} runs a scenario class inside it as a task thread would (the
 * loader as the thread's context class loader); {@link #release} closes it, as Flink does when the
 * job's last task on the TaskManager ends, and returns a weak reference to the loader that defined
 * the job's classes.
 */
final class JobClassLoader {
  private ClassLoader loader;
  private final WeakReference<ClassLoader> definingLoader;
  private final ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();

  private JobClassLoader(ClassLoader loader, ClassLoader definingLoader) {
    this.loader = loader;
    this.definingLoader = new WeakReference<>(definingLoader, collected);
  }

  /** A new job class loader, child-first over the test class path. */
  static JobClassLoader create() throws MalformedURLException, ClassNotFoundException {
    String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
    assertThat(entries.length)
        .as("the test class path (not a manifest-only jar): the job jar of the test")
        .isGreaterThan(1);
    URL[] urls = new URL[entries.length];
    for (int i = 0; i < entries.length; i++) {
      urls[i] = new File(entries[i]).toURI().toURL();
    }
    ClassLoader loader =
        FlinkUserCodeClassLoaders.childFirst(
            urls,
            JobClassLoader.class.getClassLoader(),
            CoreOptions.getParentFirstLoaderPatterns(new Configuration()),
            error -> {},
            true);
    ClassLoader defining = loader.loadClass(JdbcLookup.class.getName()).getClassLoader();
    assertThat(defining)
        .as("etlkit's classes come from the job jar")
        .isNotSameAs(JdbcLookup.class.getClassLoader());
    return new JobClassLoader(loader, defining);
  }

  /**
   * Runs {@code scenario} (a class of the test class path, loaded anew by this loader) on {@code
   * input} in a new thread with this loader as its context class loader, as a task thread would
   * (which ends with its task); its output holds only JDK types.
   */
  Map<String, Object> run(Class<?> scenario, Map<String, Object> input) throws Exception {
    String name = scenario.getName();
    CompletableFuture<Map<String, Object>> output = new CompletableFuture<>();
    Thread task =
        new Thread(
            () -> {
              try {
                @SuppressWarnings("unchecked")
                Function<Map<String, Object>, Map<String, Object>> inJob =
                    (Function<Map<String, Object>, Map<String, Object>>)
                        loader.loadClass(name).getConstructor().newInstance();
                output.complete(new HashMap<>(inJob.apply(input)));
              } catch (Throwable t) {
                output.completeExceptionally(t);
              }
            },
            "job-task");
    task.setContextClassLoader(loader);
    task.start();
    try {
      return output.get(30, TimeUnit.SECONDS);
    } finally {
      task.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  /** Closes the loader (Flink runs the release hooks just before): the job's attempt is over. */
  void release() throws IOException {
    ((Closeable) loader).close();
    loader = null;
  }

  /**
   * Whether the loader that defined the job's classes is garbage collected within {@code timeout}
   * (after {@link #release}): nothing outside the job holds any class or object of it.
   */
  boolean isCollectedWithin(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (definingLoader.get() != null && System.nanoTime() - deadline < 0) {
      System.gc();
      Reference<?> enqueued = collected.remove(100);
      if (enqueued != null) {
        return true;
      }
    }
    return definingLoader.get() == null;
  }
}
