package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of {@code README.md} and {@code docs/**.md} is compiled code: it must
 * appear, line for line, inside a region {@code // tag::NAME[]} ... {@code // end::NAME[]} of a
 * {@code .java} file under some module's {@code src/main/java} or {@code src/test/java}.
 * Indentation and blank lines are not compared, and tag lines of nested regions inside a region are
 * skipped, so a doc may quote a region re-indented, or a part of it.
 */
class DocsSnippetsTest {

  private static final Pattern TAG = Pattern.compile("^\\s*//\\s*tag::([\\w.-]+)\\[\\]\\s*$");
  private static final Pattern END = Pattern.compile("^\\s*//\\s*end::([\\w.-]+)\\[\\]\\s*$");
  private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([^\\s`]*).*$");

  /** A fenced block of a Markdown file. */
  record Snippet(Path file, int line, List<String> lines) {}

  /** A tagged region of a source file, normalized. */
  record Region(Path file, String tag, List<String> lines) {}

  @Test
  void everyJavaSnippetInTheDocs_isTaggedCompiledCode() {
    Path root = repositoryRoot();
    List<Region> regions = regions(root);
    List<Snippet> snippets = javaSnippets(root);
    assertThat(snippets).as("java snippets in README.md and docs/").isNotEmpty();

    List<String> failures = new ArrayList<>();
    for (Snippet snippet : snippets) {
      List<String> wanted = normalize(snippet.lines());
      if (wanted.isEmpty()) {
        continue;
      }
      boolean found = regions.stream().anyMatch(r -> containsInOrder(r.lines(), wanted));
      if (!found) {
        failures.add(
            root.relativize(snippet.file())
                + ":"
                + snippet.line()
                + ": java snippet starting with `"
                + wanted.get(0)
                + "` is not inside any // tag::NAME[] ... // end::NAME[] region of a .java file"
                + " under src/main/java or src/test/java");
      }
    }
    assertThat(failures).as("doc snippets not found in tagged compiled code").isEmpty();
  }

  @Test
  void checker_acceptsAReindentedPartOfARegion_andRejectsChangedCode() {
    List<String> region =
        normalize(
            List.of(
                "  int a = 1;", "", "  // tag::inner[]", "  int b = a + 1;", "  // end::inner[]"));
    assertThat(containsInOrder(region, normalize(List.of("int a = 1;", "int b = a + 1;"))))
        .isTrue();
    assertThat(containsInOrder(region, normalize(List.of("int b = a + 2;")))).isFalse();
  }

  @Test
  void parser_findsJavaFencesOnly() {
    List<Snippet> found =
        parseJavaSnippets(
            Path.of("x.md"),
            List.of(
                "text",
                "```java",
                "int a;",
                "```",
                "```shell",
                "ls",
                "```",
                "~~~java",
                "b();",
                "~~~"));
    assertThat(found).extracting(Snippet::line).containsExactly(2, 8);
    assertThat(found)
        .extracting(Snippet::lines)
        .containsExactly(List.of("int a;"), List.of("b();"));
  }

  /** The directory holding {@code mvnw} and the parent pom, searched upwards from the module. */
  static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))
          && Files.isRegularFile(dir.resolve("pom.xml"))
          && Files.isDirectory(dir.resolve("etl-core"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }

  private static List<Snippet> javaSnippets(Path root) {
    List<Path> docs = new ArrayList<>();
    docs.add(root.resolve("README.md"));
    docs.addAll(files(root.resolve("docs"), p -> p.toString().endsWith(".md")));
    return docs.stream()
        .filter(Files::isRegularFile)
        .flatMap(p -> parseJavaSnippets(p, read(p)).stream())
        .collect(Collectors.toList());
  }

  /** The {@code java} fenced blocks of a Markdown file; other fences are skipped whole. */
  static List<Snippet> parseJavaSnippets(Path file, List<String> lines) {
    List<Snippet> snippets = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      String fence = open.group(2);
      List<String> body = new ArrayList<>();
      int j = i + 1;
      while (j < lines.size() && !isClosing(lines.get(j), fence)) {
        body.add(lines.get(j));
        j++;
      }
      if (open.group(3).equalsIgnoreCase("java")) {
        snippets.add(new Snippet(file, i + 1, body));
      }
      i = j;
    }
    return snippets;
  }

  private static boolean isClosing(String line, String fence) {
    String t = line.strip();
    return t.length() >= fence.length() && t.chars().allMatch(c -> c == fence.charAt(0));
  }

  private static List<Region> regions(Path root) {
    List<Path> sources =
        files(
            root,
            p -> {
              String s = p.toString().replace('\\', '/');
              return s.endsWith(".java")
                  && (s.contains("/src/main/java/") || s.contains("/src/test/java/"));
            });
    List<Region> regions = new ArrayList<>();
    for (Path source : sources) {
      List<String> lines = read(source);
      for (int i = 0; i < lines.size(); i++) {
        Matcher tag = TAG.matcher(lines.get(i));
        if (!tag.matches()) {
          continue;
        }
        List<String> body = new ArrayList<>();
        for (int j = i + 1; j < lines.size(); j++) {
          Matcher end = END.matcher(lines.get(j));
          if (end.matches() && end.group(1).equals(tag.group(1))) {
            break;
          }
          body.add(lines.get(j));
        }
        regions.add(new Region(source, tag.group(1), normalize(body)));
      }
    }
    return regions;
  }

  /** Strips each line, drops blank lines and the tag lines of nested regions. */
  static List<String> normalize(List<String> lines) {
    return lines.stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .filter(l -> !TAG.matcher(l).matches() && !END.matcher(l).matches())
        .collect(Collectors.toList());
  }

  static boolean containsInOrder(List<String> region, List<String> snippet) {
    return java.util.Collections.indexOfSubList(region, snippet) >= 0;
  }

  private static List<Path> files(Path dir, java.util.function.Predicate<Path> accept) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    // Ignored directories are not entered: build directories change while tests run (a
    // MiniCluster of an earlier test class may still be deleting its files under target/).
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
              return d.equals(dir) || !isIgnored(dir.relativize(d))
                  ? FileVisitResult.CONTINUE
                  : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              if (attributes.isRegularFile()
                  && !isIgnored(dir.relativize(file))
                  && accept.test(file)) {
                found.add(file);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(null);
    return found;
  }

  private static boolean isIgnored(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.equals("target") || name.equals("node_modules") || name.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
