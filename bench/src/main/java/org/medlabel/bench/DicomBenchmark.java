package org.medlabel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.medlabel.imaging.dicom.DicomObject;
import org.medlabel.imaging.dicom.DicomReader;
import org.medlabel.imaging.dicom.DicomSeries;
import org.medlabel.imaging.volume.Volume;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A DICOM series to a volume: the head CT's 108 files (plastimatch's series in {@code ../shared/data}, 14.2 MB),
 * parsed, sorted along the normal, checked and rescaled, files read from the page cache. bench/dicom_bench.py times
 * pydicom + numpy on the same files.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xmx2g"})
public class DicomBenchmark {

    private List<Path> files;

    @Setup
    public void setUp() throws IOException {
        Path dir = Path.of(System.getProperty("medlabel.shared.data", "../shared/data"))
                .resolve("ct_head_invesalius/dicom_plastimatch");
        try (Stream<Path> list = Files.list(dir)) {
            files = list.sorted().toList();
        }
    }

    @Benchmark
    public Volume seriesToVolume() throws IOException {
        List<DicomObject> instances = new ArrayList<>(files.size());
        for (Path file : files) {
            instances.add(new DicomReader(Files.size(file)).read(file));
        }
        return DicomSeries.of(instances, Long.MAX_VALUE).volume();
    }
}
