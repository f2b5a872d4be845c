# Makes tests/Mimicry.Tests/Fixtures/codecs.zarr: small Zarr v2 arrays covering every codec and
# filter path of Mimicry's reader. Run with Debian 12's python3-zarr 2.13 / numcodecs 0.11:
#   /usr/bin/python3 make_zarr_fixture.py
# Every value is exactly representable, so the C# test recomputes it from the same formula.
import shutil, numpy as np, zarr
from numcodecs import Blosc, Zstd
out = 'codecs.zarr'
shutil.rmtree(out, ignore_errors=True)
g = zarr.open_group(out, mode='w')
i, j = np.meshgrid(np.arange(40), np.arange(3), indexing='ij')
g.create_dataset('bitshuffle_zstd_f4', data=((i * 3 + j) * 0.25 - 7).astype('<f4'), chunks=(16, 3),
                 compressor=Blosc(cname='zstd', clevel=5, shuffle=Blosc.BITSHUFFLE))
k = np.arange(2000)
g.create_dataset('byteshuffle_lz4_f8', data=(k * 0.5 - 300).astype('<f8'), chunks=(1000,),
                 compressor=Blosc(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE))
g.create_dataset('bitshuffle_lz4_i8', data=(k * 7 - 5000).astype('<i8'), chunks=(512,),
                 compressor=Blosc(cname='lz4', clevel=5, shuffle=Blosc.BITSHUFFLE))
a, b = np.meshgrid(np.arange(20), np.arange(4), indexing='ij')
g.create_dataset('noshuffle_zlib_u1_2d', data=((a * 4 + b) % 251).astype('u1'), chunks=(8, 3),
                 compressor=Blosc(cname='zlib', clevel=5, shuffle=Blosc.NOSHUFFLE))
g.create_dataset('raw_i8', data=np.arange(10, dtype='<i8') * 3, chunks=(4,), compressor=None)
g.create_dataset('zstd_i4', data=np.arange(50, dtype='<i4') - 25, chunks=(16,), compressor=Zstd(level=3))
print('wrote', out)
