package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/running-on-a-cluster.md names the libraries etlkit brings into the job jar: exactly those
 * the main sources of the library modules import, apart from the JDK, Flink and the SLF4J API,
 * which the cluster provides.
 */
class JobJarDependenciesDocsTest {

  private static final List<String> LIBRARY_MODULES =
      List.of("etl-core", "etl-operators", "etl-scd");

  /** The package of each library the page may name; a new dependency is added here and there. */
  private static final Map<String, String> PACKAGES =
      Map.of(
          "Jackson", "com.fasterxml.jackson",
          "Avro", "org.apache.avro",
          "Caffeine", "com.github.benmanes.caffeine",
          "Guava", "com.google.common",
          "HikariCP", "com.zaxxer.hikari");

  /** Provided by the JDK or the cluster. */
  private static final List<String> PROVIDED =
      List.of("java.", "javax.", "org.apache.flink.", "org.slf4j.");

  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+)\\.[\\w*]+;", Pattern.MULTILINE);

  private static final Pattern ROW = Pattern.compile("etlkit and its dependencies \\(([^)]*)\\)");

  @Test
  void clusterPage_namesTheLibrariesEtlkitImports() throws IOException {
    Path root = DocsSnippetsTest.repositoryRoot();
    Matcher row =
        ROW.matcher(
            Files.readString(root.resolve("docs/running-on-a-cluster.md"), StandardCharsets.UTF_8));
    assertThat(row.find()).as("the row 'etlkit and its dependencies (...)'").isTrue();
    Set<String> named =
        Arrays.stream(row.group(1).split(","))
            .map(String::strip)
            .collect(Collectors.toCollection(TreeSet::new));

    Set<String> imported = new TreeSet<>();
    for (String module : LIBRARY_MODULES) {
      try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
        for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = IMPORT.matcher(Files.readString(file, StandardCharsets.UTF_8));
          while (m.find()) {
            String pkg = m.group(1) + ".";
            if (pkg.startsWith("dev.etlkit.") || PROVIDED.stream().anyMatch(pkg::startsWith)) {
              continue;
            }
            imported.add(
                PACKAGES.entrySet().stream()
                    .filter(e -> pkg.startsWith(e.getValue() + "."))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse("unknown library " + pkg + " (" + root.relativize(file) + ")"));
          }
        }
      }
    }

    assertThat(named).isEqualTo(imported);
  }
}
