package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SavepointCheck#against} with files that are not a readable savepoint. */
class SavepointCheckTest {

  /** The magic number at the start of a checkpoint's or savepoint's metadata file. */
  private static final int MAGIC = 0x4960672d;

  @TempDir Path dir;

  @Test
  void metadataOfAnUnknownVersion_isAnIOException() throws Exception {
    assertThatThrownBy(() -> check().against(metadata(99, new byte[0]).toString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("99");
  }

  @Test
  void corruptMetadata_isAnIOException() throws Exception {
    byte[] garbage = new byte[64];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 37 + 0x7f);
    }
    assertThatThrownBy(() -> check().against(metadata(5, garbage).toString()))
        .isInstanceOf(IOException.class);
  }

  private Path metadata(int version, byte[] body) throws IOException {
    Path savepoint = Files.createDirectories(dir.resolve("savepoint-" + version));
    try (OutputStream file = Files.newOutputStream(savepoint.resolve("_metadata"));
        DataOutputStream out = new DataOutputStream(file)) {
      out.writeInt(MAGIC);
      out.writeInt(version);
      out.write(body);
    }
    return savepoint;
  }

  private static SavepointCheck check() {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
    env.fromData(1L, 2L).map(x -> x).returns(Types.LONG).uid("m").addSink(new DiscardingSink<>());
    return SavepointCheck.of(env);
  }
}
