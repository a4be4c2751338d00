package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The source position of Kafka input, as dead letters carry it: the reference job's deserializer
 * ({@code KafkaIo.RawRecordDeserializer}) writes {@code topic-partition@offset}, and every page and
 * every Javadoc that names the format or gives an example says the same (operations.md, the format
 * pages, {@link RawRecord}, {@code DeadLetter}, {@code PayloadInput}).
 */
class SourcePositionDocsTest {

  /** The format in words: {@code topic-partition@offset}, {@code topic/partition at offset}. */
  private static final Pattern FORMAT = Pattern.compile("topic[-/ ]partition(?:@| at )offset");

  /** An example position: {@code orders-3@1234}, {@code orders/3@1234}. */
  private static final Pattern EXAMPLE = Pattern.compile("\\b([a-z][\\w.]*)[-/](\\d+)@(\\d+)\\b");

  @Test
  void referenceJob_writesTopicDashPartitionAtOffset_asKafkasTopicPartitionPrints() {
    assertThat(referenceJobPosition("orders", 3, 1234L))
        .isEqualTo("orders-3@1234")
        .isEqualTo(new TopicPartition("orders", 3) + "@" + 1234L);
  }

  @Test
  void docsAndJavadoc_nameTheFormatAndExamplesTheReferenceJobWrites() throws IOException {
    List<String> formats = new ArrayList<>();
    List<String> wrongExamples = new ArrayList<>();
    int examples = 0;
    for (Path file : docsAndMainSources()) {
      // Joined lines, without Javadoc's leading stars: a mention may wrap.
      String text =
          Files.readString(file, StandardCharsets.UTF_8).replaceAll("\\s*\\n\\s*(\\*\\s)?", " ");
      String where = DocsSnippetsTest.repositoryRoot().relativize(file).toString();
      for (Matcher m = FORMAT.matcher(text); m.find(); ) {
        formats.add(where + ": " + m.group());
      }
      for (Matcher m = EXAMPLE.matcher(text); m.find(); examples++) {
        String written =
            referenceJobPosition(
                m.group(1), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)));
        if (!m.group().equals(written)) {
          wrongExamples.add(where + ": " + m.group() + ", the reference job writes " + written);
        }
      }
    }

    assertThat(formats)
        .isNotEmpty()
        .allSatisfy(f -> assertThat(f).endsWith(": topic-partition@offset"));
    assertThat(examples).as("example positions found").isPositive();
    assertThat(wrongExamples).isEmpty();
  }

  private static String referenceJobPosition(String topic, int partition, long offset) {
    List<RawRecord> out = new ArrayList<>();
    new KafkaIo.RawRecordDeserializer()
        .deserialize(
            new ConsumerRecord<>(
                topic, partition, offset, "k".getBytes(StandardCharsets.UTF_8), new byte[0]),
            new ListCollector<>(out));
    assertThat(out).hasSize(1);
    return out.get(0).source();
  }

  /** README.md, docs/*.md and the main Java sources of every module. */
  private static List<Path> docsAndMainSources() throws IOException {
    Path root = DocsSnippetsTest.repositoryRoot();
    List<Path> dirs = new ArrayList<>(List.of(root.resolve("docs")));
    try (Stream<Path> modules = Files.list(root)) {
      modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).forEach(dirs::add);
    }
    List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
    for (Path dir : dirs) {
      try (Stream<Path> all = Files.walk(dir)) {
        all.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".java"))
            .forEach(files::add);
      }
    }
    return files;
  }
}
