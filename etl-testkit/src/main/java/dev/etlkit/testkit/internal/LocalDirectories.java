package dev.etlkit.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.flink.annotation.Internal;

/** Working directories of RocksDB harnesses, under {@code java.io.tmpdir}. */
@Internal
public final class LocalDirectories {

  private LocalDirectories() {}

  /** A new empty directory under {@code java.io.tmpdir}. */
  public static Path create(String prefix) {
    try {
      return Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create a directory under java.io.tmpdir", e);
    }
  }

  /** Deletes the directory and everything in it; missing is fine. */
  public static void delete(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + directory, e);
    }
  }
}
