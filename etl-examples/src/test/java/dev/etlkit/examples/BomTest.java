package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Users import {@code etl-bom} and give no etlkit module a version (getting started): every module
 * that is published (deployed, not {@code maven.deploy.skip}) must be managed by the BOM, at the
 * build's version, or a user adding it gets "dependencies.dependency.version ... is missing".
 */
class BomTest {

  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern DEPENDENCY =
      Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);

  @Test
  void bom_managesEveryPublishedModule_atTheBuildsVersion() throws IOException {
    Path root = DocsSnippetsTest.repositoryRoot();
    String rootPom = read(root.resolve("pom.xml"));
    Set<String> published = new TreeSet<>();
    for (Matcher m = MODULE.matcher(rootPom); m.find(); ) {
      String module = m.group(1).strip();
      String pom = read(root.resolve(module).resolve("pom.xml"));
      if (!module.equals("etl-bom")
          && !pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
        published.add(module);
      }
    }

    String bom = read(root.resolve("etl-bom/pom.xml"));
    Set<String> managed = new TreeSet<>();
    for (Matcher m = DEPENDENCY.matcher(bom); m.find(); ) {
      String dependency = m.group(1);
      assertThat(element(dependency, "groupId")).as(dependency).isEqualTo("dev.etlkit");
      assertThat(element(dependency, "version")).as(dependency).isEqualTo("${project.version}");
      managed.add(element(dependency, "artifactId"));
    }

    assertThat(published).as("published modules").isNotEmpty();
    assertThat(managed).as("modules the BOM manages").isEqualTo(published);
    assertThat(element(bom, "version")).isEqualTo(element(rootPom, "version"));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /** The first such element (in a pom: the project's own, which comes before any other). */
  private static String element(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
    return m.find() ? m.group(1).strip() : "";
  }
}
