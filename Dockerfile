# CementQuant as a container image, for the README's Slurm/Kubernetes examples.
# Built from the self-contained linux-x64 publish (no .NET in the image), on Debian:
#
#   dotnet publish src/CementQuant.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o publish
#   docker build -t cementquant:0.1.0 .
#
# The program is one file plus four native libraries (OpenCV, SkiaSharp, HarfBuzz, SQLite); OpenCV's needs GTK 3
# (libgtk-3-0 and what it pulls in). Globalization is invariant, so no ICU; SkiaSharp is the no-dependency build.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgtk-3-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 cq
COPY publish/cementquant publish/libOpenCvSharpExtern.so publish/libSkiaSharp.so publish/libHarfBuzzSharp.so publish/libe_sqlite3.so /opt/cementquant/
RUN ln -s /opt/cementquant/cementquant /usr/local/bin/cementquant
USER cq
WORKDIR /home/cq
# The site key comes from a mounted secret (--site-key); outputs go to a mounted volume (--out).
ENTRYPOINT ["cementquant"]
CMD ["--help"]
