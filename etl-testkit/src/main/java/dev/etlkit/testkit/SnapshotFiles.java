package dev.etlkit.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

/**
 * Reads and writes an operator snapshot ({@link OperatorSubtaskState}) as a file, in the format of
 * Flink's {@code OperatorSnapshotUtil} (flink-runtime test-jar, package {@code
 * org.apache.flink.streaming.util}), which Flink uses for its own migration tests. Only snapshots
 * whose state is held in memory (the harness default) can be written.
 */
@PublicEvolving
public final class SnapshotFiles {

  private SnapshotFiles() {}

  /** Writes the state to {@code file}, creating parent directories, replacing an existing file. */
  public static void write(Path file, OperatorSubtaskState state) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    OperatorSnapshotUtil.writeStateHandle(state, file.toString());
  }

  /** Reads a state written by {@link #write}. */
  public static OperatorSubtaskState read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.io.FileNotFoundException("no snapshot file at " + file.toAbsolutePath());
    }
    try {
      return OperatorSnapshotUtil.readStateHandle(file.toString());
    } catch (ClassNotFoundException e) {
      throw new IOException("Could not read snapshot file " + file.toAbsolutePath(), e);
    }
  }
}
