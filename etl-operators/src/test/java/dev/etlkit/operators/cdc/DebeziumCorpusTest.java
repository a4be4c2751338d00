package dev.etlkit.operators.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.Debezium.Truncates;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder.Outcome;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed corpus of Debezium records for PostgreSQL and MySQL, written from Debezium's
 * documented formats (connector docs: change events, transaction metadata, heartbeats, schema
 * change topic), each with its expected output.
 *
 * <p>Layout: {@code corpus/<database>/<table>[-schemaless]/<case>.value.json} (absent for a
 * tombstone), {@code <case>.key.json} (optional) and {@code <case>.expected}: optional {@code
 * options: ...} line, then either {@code outcome: <Outcome>} followed by one {@code
 * Change.toString()} per line, or {@code error: <exception class>}. Directories named {@code
 * customers*} decode into {@link Customer}, {@code orders*} into {@link Order}.
 */
class DebeziumCorpusTest {

  static Path corpus() {
    try {
      return Path.of(DebeziumCorpusTest.class.getResource("corpus").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One case of the corpus. */
  record Case(Path dir, String name) {
    Path file(String suffix) {
      return dir.resolve(name + suffix);
    }

    @Override
    public String toString() {
      return corpus().relativize(dir) + "/" + name;
    }
  }

  static List<Case> cases() {
    try (Stream<Path> files = Files.walk(corpus())) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".expected"))
          .sorted()
          .map(
              p ->
                  new Case(
                      p.getParent(), p.getFileName().toString().replaceAll("\\.expected$", "")))
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a case's .expected file says. */
  record Expected(
      DecoderSettings<?> settings,
      @Nullable Outcome outcome,
      List<String> changes,
      @Nullable String error) {}

  static Expected expected(Case c) throws IOException {
    Class<?> rowType =
        c.dir().getFileName().toString().startsWith("orders") ? Order.class : Customer.class;
    DecoderSettings<?> settings = DecoderSettings.defaults(rowType);
    Outcome outcome = null;
    String error = null;
    List<String> changes = new ArrayList<>();
    for (String line : Files.readAllLines(c.file(".expected"))) {
      if (line.startsWith("options:")) {
        for (String option : line.substring("options:".length()).trim().split("\\s+")) {
          String[] kv = option.split("=");
          switch (kv[0]) {
            case "tombstones":
              settings = settings.withTombstones(Tombstones.valueOf(kv[1]));
              break;
            case "truncates":
              settings = settings.withTruncates(Truncates.valueOf(kv[1]));
              break;
            case "timePrecision":
              settings = settings.withTimePrecision(ChronoUnit.valueOf(kv[1]));
              break;
            default:
              throw new IllegalArgumentException("unknown option in " + c + ": " + option);
          }
        }
      } else if (line.startsWith("outcome:")) {
        outcome = Outcome.valueOf(line.substring("outcome:".length()).trim());
      } else if (line.startsWith("error:")) {
        error = line.substring("error:".length()).trim();
      } else if (!line.isBlank()) {
        changes.add(line);
      }
    }
    return new Expected(settings, outcome, changes, error);
  }

  @Nullable
  static byte[] read(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllBytes(file) : null;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void corpusCase_decodesToItsExpectedOutput(Case c) throws IOException {
    Expected expected = expected(c);
    DebeziumDecoder<?> decoder = new DebeziumDecoder<>(expected.settings());
    byte[] value = read(c.file(".value.json"));
    byte[] key = read(c.file(".key.json"));
    List<Change<?>> into = new ArrayList<>();

    if (expected.error() != null) {
      assertThatThrownBy(() -> decode(decoder, value, key, into))
          .satisfies(e -> assertThat(e.getClass().getName()).isEqualTo(expected.error()));
      assertThat(into).isEmpty();
    } else {
      Outcome outcome = decode(decoder, value, key, into);
      assertThat(outcome).isEqualTo(expected.outcome());
      assertThat(into).extracting(Object::toString).containsExactlyElementsOf(expected.changes());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Outcome decode(
      DebeziumDecoder<?> decoder, @Nullable byte[] value, @Nullable byte[] key, List into)
      throws IOException {
    return decoder.decode(value, key, null, into);
  }

  @Test
  void corpus_coversEveryDocumentedMessageKind_forPostgresAndMysql() throws IOException {
    for (String database : List.of("postgres", "mysql")) {
      Set<Outcome> outcomes = EnumSet.noneOf(Outcome.class);
      Set<String> kinds = new TreeSet<>();
      for (Case c : cases()) {
        if (!corpus().relativize(c.dir()).startsWith(database)) {
          continue;
        }
        Expected expected = expected(c);
        if (expected.outcome() != null) {
          outcomes.add(expected.outcome());
        }
        for (String change : expected.changes()) {
          kinds.add(change.substring(0, 2));
        }
        String value =
            Files.exists(c.file(".value.json")) ? Files.readString(c.file(".value.json")) : "";
        if (value.contains("\"op\": \"r\"")) {
          kinds.add("snapshot read");
        }
        if (value.contains("\"schema\": {") && value.contains("\"payload\": {")) {
          kinds.add("with schema");
        } else if (!value.isEmpty()) {
          kinds.add("without schema");
        }
      }
      assertThat(kinds)
          .as(database)
          .contains("+I", "-U", "+U", "-D", "snapshot read", "with schema", "without schema");
      assertThat(outcomes)
          .as(database)
          .contains(
              Outcome.CHANGED,
              Outcome.UPDATED_WITHOUT_BEFORE,
              Outcome.SKIPPED_TOMBSTONE,
              Outcome.TOMBSTONE_DELETED,
              Outcome.SKIPPED_HEARTBEAT,
              Outcome.SKIPPED_TRANSACTION_MARKER);
    }
    // PostgreSQL's logical decoding carries no DDL: only MySQL has a schema change topic.
    assertThat(cases())
        .filteredOn(c -> c.toString().startsWith("mysql") && c.name().startsWith("schema-"))
        .hasSizeGreaterThanOrEqualTo(3);
  }
}
