#!/usr/bin/env python3
"""Per-instruction costs of one function from a callgrind dump, beside its disassembly.

    CALLGRIND_EXTRA=--dump-instr=yes bash bench/instructions.sh 200 logistic
    python3 bench/annotate_instructions.py bench/out/instructions/logistic/callgrind.PID.1-TID \
        bench/out/instructions/modelserve MANGLED-NAME-PART [REQUESTS]

Prints each instruction's count divided by REQUESTS (default 4,000, the measured requests),
so the hot loops of a function show where its self cost goes. The name part is matched
against callgrind's (mangled) function names; `nm` on the binary finds it.
"""
import re,sys,subprocess,collections
f,binary,want=sys.argv[1],sys.argv[2],sys.argv[3]
mn=int(sys.argv[4]) if len(sys.argv)>4 else 4000
costs=collections.Counter()
fnname=None; skip=False; cur=None
names={}
for line in open(f):
    line=line.rstrip('\n')
    if line.startswith('fn='):
        m=re.match(r'fn=\((\d+)\)(?: (.*))?',line)
        if m:
            if m.group(2): names[m.group(1)]=m.group(2)
            fnname=names.get(m.group(1),'')
        else: fnname=line[3:]
        continue
    if line.startswith('cfn='):
        m=re.match(r'cfn=\((\d+)\)(?: (.*))?',line)
        if m and m.group(2): names[m.group(1)]=m.group(2)
        continue
    if line.startswith('calls='): skip=True; continue
    if skip: skip=False; continue
    if not line or not (line[0].isdigit() or line[0] in '+-*0x'): continue
    if fnname is None or want not in fnname: continue
    parts=line.split()
    a=parts[0]
    if a.startswith('0x'): cur=int(a,16)
    elif a.startswith('+'): cur+=int(a[1:],16) if a[1:].startswith('0x') else int(a[1:])
    elif a.startswith('-'): cur-=int(a[1:])
    elif a=='*': pass
    else: continue
    if len(parts)>=3:
        costs[cur]+=int(parts[2])
    elif len(parts)==2:
        costs[cur]+=int(parts[1])
if not costs: print('none'); sys.exit()
lo,hi=min(costs),max(costs)
dis=subprocess.run(['objdump','-d','--no-show-raw-insn','--start-address=%d'%lo,'--stop-address=%d'%(hi+16),binary],capture_output=True,text=True).stdout
total=sum(costs.values())
print('total per req', total/mn)
for l in dis.split('\n'):
    m=re.match(r'\s*([0-9a-f]+):\s*(.*)',l)
    if m:
        a=int(m.group(1),16); c=costs.get(a,0)
        print('%7.1f  %s'%(c/mn, l.strip()[:110]) if c else '         %s'%l.strip()[:110])
