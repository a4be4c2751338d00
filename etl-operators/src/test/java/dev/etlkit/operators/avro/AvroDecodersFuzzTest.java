package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V0_INCOMPATIBLE;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.internal.AvroDecodingFunction;
import dev.etlkit.operators.avro.internal.JsonToAvroFunction;
import dev.etlkit.operators.avro.internal.RecordModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz tests of the Avro decoders, through their Flink functions: for every input
 * the step emits exactly one typed record or exactly one dead letter, never throws, never hangs.
 *
 * <p>The normal build runs each file of the committed corpus ({@code
 * src/test/resources/dev/etlkit/operators/avro/AvroDecodersFuzzTestInputs/<method>/}); run {@code
 * JAZZER_FUZZ=1 ./mvnw -pl etl-operators test -Dtest=AvroDecodersFuzzTest#binaryDecoder} to fuzz
 * one method (findings land in that directory).
 */
@Timeout(60) // per corpus input in the normal build; a fuzzing run stops at maxDuration
class AvroDecodersFuzzTest {

  private static final StepIdentity STEP = new StepIdentity("fuzz", "avro", "fuzz/avro");
  private static final Duration MAX_PER_INPUT = Duration.ofSeconds(2);

  private static final OneInputStreamOperatorTestHarness<byte[], GenericRecord> BINARY =
      harness(
          new AvroDecodingFunction<>(
              PayloadInput.bytes(), errors(), RecordModel.generic(EVERYTHING), null, null, 10_000),
          Avro.genericRecordType(EVERYTHING));

  private static final OneInputStreamOperatorTestHarness<byte[], GenericRecord> CONFLUENT =
      harness(
          new AvroDecodingFunction<>(
              PayloadInput.bytes(),
              errors(),
              RecordModel.generic(ORDER_V2),
              null,
              SchemaProvider.of(Map.of(1, ORDER_V1, 2, ORDER_V2, 3, ORDER_V0_INCOMPATIBLE)),
              10_000),
          Avro.genericRecordType(ORDER_V2));

  private static final OneInputStreamOperatorTestHarness<byte[], GenericRecord> JSON =
      harness(
          new JsonToAvroFunction<>(
              PayloadInput.bytes(), errors(), EVERYTHING, JsonReadLimits.defaults()),
          Avro.genericRecordType(EVERYTHING));

  @FuzzTest(maxDuration = "30s")
  void binaryDecoder(byte[] input) throws Exception {
    emitsOneRecordOrOneDeadLetter(BINARY, input);
  }

  @FuzzTest(maxDuration = "30s")
  void confluentDecoder(byte[] input) throws Exception {
    emitsOneRecordOrOneDeadLetter(CONFLUENT, input);
  }

  @FuzzTest(maxDuration = "30s")
  void jsonDecoder(byte[] input) throws Exception {
    emitsOneRecordOrOneDeadLetter(JSON, input);
  }

  @Test
  void corpus_validInputsDecodeToRecords_soTheCorpusReachesDeepCode() throws Exception {
    Path inputs =
        Path.of(AvroDecodersFuzzTest.class.getResource("AvroDecodersFuzzTestInputs").toURI());
    int valid = 0;
    for (String method : List.of("binaryDecoder", "confluentDecoder", "jsonDecoder")) {
      OneInputStreamOperatorTestHarness<byte[], GenericRecord> harness =
          method.startsWith("binary") ? BINARY : method.startsWith("confluent") ? CONFLUENT : JSON;
      try (Stream<Path> files = Files.list(inputs.resolve(method))) {
        for (Path file :
            files.filter(f -> f.getFileName().toString().startsWith("valid")).toList()) {
          emitsOneRecordOrOneDeadLetter(harness, Files.readAllBytes(file));
          assertThat(harness.getOutput()).as(file.toString()).hasSize(1);
          valid++;
        }
      }
    }
    assertThat(valid).isEqualTo(5);
  }

  private static void emitsOneRecordOrOneDeadLetter(
      OneInputStreamOperatorTestHarness<byte[], GenericRecord> harness, byte[] input)
      throws Exception {
    Queue<Object> records = harness.getOutput();
    records.clear();
    Queue<StreamRecord<DeadLetter>> letters = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
    if (letters != null) {
      letters.clear();
    }
    long start = System.nanoTime();

    harness.processElement(input, 1L); // must not throw

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MAX_PER_INPUT);
    letters = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
    int deadLetters = letters == null ? 0 : letters.size();
    assertThat(records.size() + deadLetters).as("records + dead letters").isEqualTo(1);
    if (deadLetters == 1) {
      DeadLetter letter = letters.peek().getValue();
      assertThat(letter.errorClass()).isEqualTo(AvroFormatException.class.getName());
      assertThat(letter.payloadBytes()).isEqualTo(input);
    }
  }

  private static ErrorHandler errors() {
    return new ErrorHandler(STEP, ErrorPolicy.deadLetter());
  }

  private static <O> OneInputStreamOperatorTestHarness<byte[], O> harness(
      ProcessFunction<byte[], O> function, TypeInformation<O> type) {
    try {
      OneInputStreamOperatorTestHarness<byte[], O> harness =
          new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(function), 1, 1, 0);
      AvroFixtures.disableGenericTypes(harness.getExecutionConfig());
      harness.setup(type.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      return harness;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
